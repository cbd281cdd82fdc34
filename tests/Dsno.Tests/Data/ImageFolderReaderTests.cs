using Dsno.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Dsno.Tests.Data;

public class ImageFolderReaderTests
{
    private static void SaveUniform(string path, int width, int height, Rgb24 colour)
    {
        using var image = new Image<Rgb24>(width, height, colour);
        image.Save(path); // format from the extension
    }

    private static double ToUnit(double v) => v / 127.5 - 1.0;

    private static double Luma(Rgb24 p) => 0.2126 * p.R + 0.7152 * p.G + 0.0722 * p.B;

    [Fact]
    public void ClassSubFoldersGiveLabelsInOrdinalOrderAndImagesAreResized()
    {
        using var dir = new TempFolder();
        // Ordinal order puts "Banana" (capital B) before "apple"; a culture-aware sort would not.
        Directory.CreateDirectory(dir.File("apple"));
        Directory.CreateDirectory(dir.File("Banana"));
        var red = new Rgb24(200, 10, 30);
        var green = new Rgb24(20, 180, 90);
        SaveUniform(Path.Combine(dir.Path, "apple", "a1.png"), 10, 12, red);
        SaveUniform(Path.Combine(dir.Path, "apple", "a2.bmp"), 7, 5, red);
        SaveUniform(Path.Combine(dir.Path, "Banana", "b1.png"), 6, 6, green);
        File.WriteAllText(Path.Combine(dir.Path, "Banana", "notes.txt"), "not an image");

        var set = ImageFolderReader.Read(dir.Path, 6, 4, grayscale: false);
        Assert.Equal((3, 3, 6, 4), (set.Count, set.Channels, set.Height, set.Width));
        Assert.Equal(new[] { "Banana", "apple" }, set.ClassNames);
        Assert.Equal(2, set.ClassCount);
        Assert.Equal(new[] { 0, 1, 1 }, set.Labels);
        // Uniform images stay uniform through resizing: every value of each channel equals the colour's.
        var expected = new[] { green, red, red };
        for (int i = 0; i < 3; i++)
        {
            var img = set.GetImage(i);
            byte[] rgb = { expected[i].R, expected[i].G, expected[i].B };
            for (int c = 0; c < 3; c++)
                for (int k = 0; k < 24; k++)
                    Assert.Equal(ToUnit(rgb[c]), img[c * 24 + k], 2);
        }

        var gray = ImageFolderReader.Read(dir.Path, 5, 5, grayscale: true);
        Assert.Equal((3, 1, 5, 5), (gray.Count, gray.Channels, gray.Height, gray.Width));
        Assert.Equal(ToUnit(Luma(green)), gray.Pixels[0], 2);
        Assert.Equal(ToUnit(Luma(red)), gray.Pixels[^1], 2);
    }

    [Fact]
    public void PixelsKeepTheirPlaceAndChannelOrderWithoutResizing()
    {
        using var dir = new TempFolder();
        using (var image = new Image<Rgba32>(3, 2))
        {
            for (int y = 0; y < 2; y++)
                for (int x = 0; x < 3; x++)
                    image[x, y] = new Rgba32((byte)(40 * x + 7), (byte)(100 * y + 3), (byte)(x * y * 60), 255);
            image.Save(dir.File("only.png"));
        }

        var set = ImageFolderReader.Read(dir.Path, 2, 3, grayscale: false);
        Assert.Null(set.Labels);
        Assert.Equal(0, set.ClassCount);
        Assert.Null(set.ClassNames);
        var gray = ImageFolderReader.Read(dir.Path, 2, 3, grayscale: true);
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++)
            {
                var p = new Rgb24((byte)(40 * x + 7), (byte)(100 * y + 3), (byte)(x * y * 60));
                Assert.Equal(ToUnit(p.R), set.Pixels[0 * 6 + y * 3 + x], 6);
                Assert.Equal(ToUnit(p.G), set.Pixels[1 * 6 + y * 3 + x], 6);
                Assert.Equal(ToUnit(p.B), set.Pixels[2 * 6 + y * 3 + x], 6);
                Assert.Equal(ToUnit(Luma(p)), gray.Pixels[y * 3 + x], 5);
            }
    }

    [Fact]
    public void JpegFilesAreRead()
    {
        using var dir = new TempFolder();
        SaveUniform(dir.File("x.jpg"), 8, 8, new Rgb24(128, 128, 128));
        SaveUniform(dir.File("y.JPEG"), 8, 8, new Rgb24(250, 250, 250));
        var set = ImageFolderReader.Read(dir.Path, 4, 4, grayscale: true);
        Assert.Equal(2, set.Count);
        Assert.Equal(ToUnit(128), set.Pixels[0], 1);
        Assert.Equal(ToUnit(250), set.Pixels[^1], 1);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    public void UnreadableImageNamesTheFile(string damage)
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("a"));
        SaveUniform(Path.Combine(dir.Path, "a", "good.png"), 4, 4, new Rgb24(1, 2, 3));
        string bad = Path.Combine(dir.Path, "a", "bad.png");
        if (damage == "garbage")
        {
            File.WriteAllBytes(bad, Enumerable.Range(0, 200).Select(i => (byte)(i * 37)).ToArray());
        }
        else
        {
            using (var big = new Image<Rgb24>(64, 64))
            {
                for (int y = 0; y < 64; y++)
                    for (int x = 0; x < 64; x++)
                        big[x, y] = new Rgb24((byte)(x * 4), (byte)(y * 4), (byte)(x ^ y));
                big.Save(bad);
            }
            var bytes = File.ReadAllBytes(bad);
            File.WriteAllBytes(bad, bytes[..(bytes.Length / 2)]);
        }
        var e = Assert.Throws<InvalidDataException>(() => ImageFolderReader.Read(dir.Path, 4, 4, grayscale: true));
        Assert.Contains(bad, e.Message);
    }

    [Theory]
    [InlineData(".png")]
    [InlineData(".jpg")]
    [InlineData(".bmp")]
    public void DamagedFilesReadOrThrowInvalidData(string extension)
    {
        // ImageSharp 2.1's decoders fail in many ways on damaged input (a fuzz run here also saw NullReferenceException,
        // IndexOutOfRangeException and ArgumentOutOfRangeException); the reader must turn all of them into InvalidDataException.
        using var dir = new TempFolder();
        string path = dir.File("f" + extension);
        using (var image = new Image<Rgb24>(16, 16))
        {
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 16; x++)
                    image[x, y] = new Rgb24((byte)(x * 16), (byte)(y * 16), (byte)(x ^ y));
            image.Save(path);
        }
        var original = File.ReadAllBytes(path);
        var rng = new Random(extension.Length * 31 + extension[1]);
        int rejected = 0;
        for (int trial = 0; trial < 100; trial++)
        {
            var bytes = (byte[])original.Clone();
            if (trial % 2 == 0) bytes = bytes[..rng.Next(bytes.Length)];
            else for (int k = rng.Next(1, 6); k > 0; k--) bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
            File.WriteAllBytes(path, bytes);
            try
            {
                Assert.Equal(1, ImageFolderReader.Read(dir.Path, 8, 8, grayscale: false).Count);
            }
            catch (InvalidDataException e)
            {
                Assert.Contains(path, e.Message);
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"trial {trial}: {e.GetType().Name} instead of InvalidDataException: {e.Message}");
            }
        }
        Assert.True(rejected > 0);
    }

    [Fact]
    public void EmptyOrMissingFolderThrows()
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<InvalidDataException>(() => ImageFolderReader.Read(dir.Path, 4, 4, grayscale: true));
        Assert.Contains("no images found", e.Message);

        Directory.CreateDirectory(dir.File("cats"));
        File.WriteAllText(Path.Combine(dir.Path, "cats", "readme.txt"), "x");
        e = Assert.Throws<InvalidDataException>(() => ImageFolderReader.Read(dir.Path, 4, 4, grayscale: true));
        Assert.Contains("no images found", e.Message);

        Assert.Throws<DirectoryNotFoundException>(() => ImageFolderReader.Read(dir.File("missing"), 4, 4, grayscale: true));
    }
}
