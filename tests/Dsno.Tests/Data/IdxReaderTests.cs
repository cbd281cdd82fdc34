using System.Buffers.Binary;
using System.IO.Compression;
using Dsno.Data;

namespace Dsno.Tests.Data;

public class IdxReaderTests
{
    private static byte[,,] RandomImages(int n, int h, int w, int seed)
    {
        var rng = new Random(seed);
        var images = new byte[n, h, w];
        for (int i = 0; i < n; i++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    images[i, y, x] = (byte)rng.Next(256);
        images[0, 0, 0] = 0;
        images[0, 0, 1] = 255;
        return images;
    }

    private static byte[] RandomLabels(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (byte)rng.Next(10)).ToArray();
    }

    private static void AssertMatches(byte[,,] images, byte[] labels, ImageSet set, int pad = 0)
    {
        int n = images.GetLength(0), h = images.GetLength(1), w = images.GetLength(2);
        int h2 = h + 2 * pad, w2 = w + 2 * pad;
        Assert.Equal((n, 1, h2, w2), (set.Count, set.Channels, set.Height, set.Width));
        Assert.Equal(labels.Select(b => (int)b), set.Labels!);
        Assert.Equal(labels.Max() + 1, set.ClassCount);
        for (int i = 0; i < n; i++)
            for (int y = 0; y < h2; y++)
                for (int x = 0; x < w2; x++)
                {
                    bool inside = y >= pad && y < h + pad && x >= pad && x < w + pad;
                    double expected = inside ? 2.0 * images[i, y - pad, x - pad] / 255.0 - 1.0 : -1.0;
                    Assert.Equal(expected, set.Pixels[(i * h2 + y) * w2 + x], 5);
                }
    }

    [Theory]
    [InlineData("images.idx3-ubyte.gz", "labels.idx1-ubyte.gz")]
    [InlineData("images.idx3-ubyte", "labels.idx1-ubyte")]
    public void RoundTripsExactValues(string imagesName, string labelsName)
    {
        using var dir = new TempFolder();
        var images = RandomImages(7, 5, 6, seed: 1);
        var labels = RandomLabels(7, seed: 2);
        IdxReader.WriteImages(dir.File(imagesName), images);
        IdxReader.WriteLabels(dir.File(labelsName), labels);
        bool gz = imagesName.EndsWith(".gz");
        Assert.Equal(gz, File.ReadAllBytes(dir.File(imagesName))[..2].SequenceEqual(new byte[] { 0x1f, 0x8b }));

        var set = IdxReader.Read(dir.File(imagesName), dir.File(labelsName));
        AssertMatches(images, labels, set);
        Assert.Equal(-1f, set.Pixels[0]);
        Assert.Equal(1f, set.Pixels[1]);
    }

    [Fact]
    public void GzipIsDetectedByMagicNotByExtension()
    {
        using var dir = new TempFolder();
        var images = RandomImages(3, 4, 4, seed: 3);
        var labels = RandomLabels(3, seed: 4);
        IdxReader.WriteImages(dir.File("compressed.raw"), images, gzip: true);
        IdxReader.WriteLabels(dir.File("plain.gz"), labels, gzip: false);
        Assert.Equal(0x1f, File.ReadAllBytes(dir.File("compressed.raw"))[0]);
        Assert.Equal(0x00, File.ReadAllBytes(dir.File("plain.gz"))[0]);
        AssertMatches(images, labels, IdxReader.Read(dir.File("compressed.raw"), dir.File("plain.gz")));
    }

    [Fact]
    public void PaddingTurns28Into32WithBackground()
    {
        using var dir = new TempFolder();
        var images = RandomImages(2, 28, 28, seed: 5);
        var labels = new byte[] { 3, 7 };
        IdxReader.WriteImages(dir.File("i.gz"), images);
        IdxReader.WriteLabels(dir.File("l.gz"), labels);
        var set = IdxReader.Read(dir.File("i.gz"), dir.File("l.gz"), pad: 2);
        Assert.Equal(32, set.Height);
        AssertMatches(images, labels, set, pad: 2);

        // Same result as reading unpadded and padding the set afterwards.
        var padded = IdxReader.Read(dir.File("i.gz"), dir.File("l.gz")).Pad(2);
        Assert.Equal(padded.Pixels, set.Pixels);
    }

    [Fact]
    public void ImageSetWriterRoundTrips()
    {
        using var dir = new TempFolder();
        var images = RandomImages(4, 3, 5, seed: 6);
        var labels = RandomLabels(4, seed: 7);
        IdxReader.WriteImages(dir.File("a"), images);
        IdxReader.WriteLabels(dir.File("b"), labels);
        var set = IdxReader.Read(dir.File("a"), dir.File("b"));
        IdxReader.WriteImages(dir.File("c.gz"), set);
        IdxReader.WriteLabels(dir.File("d.gz"), set);
        var again = IdxReader.Read(dir.File("c.gz"), dir.File("d.gz"));
        Assert.Equal(set.Pixels, again.Pixels);
        Assert.Equal(set.Labels, again.Labels);
    }

    [Fact]
    public void WrongMagicNamesTheFile()
    {
        using var dir = new TempFolder();
        IdxReader.WriteLabels(dir.File("labels.gz"), new byte[] { 1, 2 });
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(dir.File("labels.gz")));
        Assert.Contains(dir.File("labels.gz"), e.Message);
        Assert.Contains("magic", e.Message);
        Assert.Contains("label file", e.Message);

        File.WriteAllBytes(dir.File("junk"), new byte[] { 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 9 });
        e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(dir.File("junk")));
        Assert.Contains(dir.File("junk"), e.Message);
        Assert.Contains("0x12345678", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedDataNamesTheFile(bool gzip)
    {
        using var dir = new TempFolder();
        IdxReader.WriteImages(dir.File("full"), RandomImages(3, 4, 4, seed: 8), gzip: false);
        byte[] bytes = File.ReadAllBytes(dir.File("full"));
        string path = dir.File("cut");
        WriteMaybeGzip(path, bytes[..^5], gzip);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);

        WriteMaybeGzip(path, bytes[..10], gzip);
        e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated header", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrailingGarbageIsReported(bool gzip)
    {
        using var dir = new TempFolder();
        IdxReader.WriteImages(dir.File("full"), RandomImages(3, 4, 4, seed: 9), gzip: false);
        string path = dir.File("long");
        WriteMaybeGzip(path, [.. File.ReadAllBytes(dir.File("full")), 1, 2, 3], gzip);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("trailing garbage", e.Message);
    }

    [Fact]
    public void LabelCountMismatchNamesBothFiles()
    {
        using var dir = new TempFolder();
        IdxReader.WriteImages(dir.File("i"), RandomImages(4, 3, 3, seed: 10));
        IdxReader.WriteLabels(dir.File("l"), new byte[] { 1, 2, 3 });
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(dir.File("i"), dir.File("l")));
        Assert.Contains(dir.File("l"), e.Message);
        Assert.Contains(dir.File("i"), e.Message);
        Assert.Contains("3 labels", e.Message);
        Assert.Contains("4 images", e.Message);
    }

    [Theory]
    [InlineData(int.MaxValue, 28, 28, false)] // 2^31 - 1 images: over the count limit
    [InlineData(unchecked((int)0x80000000), 28, 28, false)] // "2^31" read as a signed int
    [InlineData(9_999_999, 4096, 4096, true)] // within limits, but more bytes than an array holds
    [InlineData(1_000_000, 28, 28, false)] // plausible header, 784 MB claimed, about 84 bytes present
    [InlineData(1_000_000, 28, 28, true)]
    [InlineData(5, 0, 28, false)] // zero height
    [InlineData(5, 28, 5000, true)] // width over the limit
    public void HugeOrInvalidHeaderDimsInATinyFileThrowWithoutAllocating(int n, int h, int w, bool gzip)
    {
        using var dir = new TempFolder();
        var bytes = new byte[100];
        BinaryPrimitives.WriteInt32BigEndian(bytes, IdxReader.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), n);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), h);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), w);
        string path = dir.File("huge");
        WriteMaybeGzip(path, bytes, gzip);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains(path, e.Message);
        Assert.True(allocated < 4_000_000, $"reader allocated {allocated} bytes for a 100-byte file");
    }

    [Fact]
    public void MissingFileThrowsFileNotFound()
    {
        using var dir = new TempFolder();
        Assert.Throws<FileNotFoundException>(() => IdxReader.Read(dir.File("nope")));
    }

    [Fact]
    public void FuzzedFilesReadOrThrowInvalidData()
    {
        using var dir = new TempFolder();
        var images = RandomImages(5, 6, 5, seed: 11);
        var labels = RandomLabels(5, seed: 12);
        IdxReader.WriteImages(dir.File("i.raw"), images, gzip: false);
        IdxReader.WriteImages(dir.File("i.gz"), images, gzip: true);
        IdxReader.WriteLabels(dir.File("l.raw"), labels, gzip: false);
        IdxReader.WriteLabels(dir.File("l.gz"), labels, gzip: true);
        var originals = new[] { "i.raw", "i.gz", "l.raw", "l.gz" }.ToDictionary(f => f, f => File.ReadAllBytes(dir.File(f)));

        var rng = new Random(2024);
        int succeeded = 0, failed = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            string victim = originals.Keys.ElementAt(trial % 4);
            byte[] bytes = Mutate(originals[victim], rng);
            bool isImages = victim.StartsWith('i');
            string imagesPath = dir.File("fuzz-images"), labelsPath = dir.File("fuzz-labels");
            File.WriteAllBytes(imagesPath, isImages ? bytes : originals[victim.Replace('l', 'i')]);
            File.WriteAllBytes(labelsPath, isImages ? originals[victim.Replace('i', 'l')] : bytes);
            try
            {
                var set = IdxReader.Read(imagesPath, labelsPath);
                Assert.Equal(5, set.Count);
                succeeded++;
            }
            catch (InvalidDataException e)
            {
                Assert.Contains(dir.Path, e.Message);
                failed++;
            }
            catch (Exception e)
            {
                Assert.Fail($"trial {trial} ({victim}): {e.GetType().Name} instead of InvalidDataException: {e.Message}");
            }
        }
        Assert.True(failed > 100, $"only {failed} of 300 mutations were rejected");
        Assert.True(succeeded > 0, "no mutation (for example of a pixel byte) was accepted");
    }

    private static byte[] Mutate(byte[] original, Random rng)
    {
        var bytes = (byte[])original.Clone();
        switch (rng.Next(4))
        {
            case 0: // truncate
                return bytes[..rng.Next(bytes.Length)];
            case 1: // flip 1..3 random bytes
                for (int k = rng.Next(1, 4); k > 0; k--) bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
                return bytes;
            case 2: // damage the header
                bytes[rng.Next(Math.Min(16, bytes.Length))] ^= (byte)(1 << rng.Next(8));
                return bytes;
            default: // append garbage
                return [.. bytes, .. Enumerable.Range(0, rng.Next(1, 20)).Select(_ => (byte)rng.Next(256))];
        }
    }

    private static void WriteMaybeGzip(string path, byte[] bytes, bool gzip)
    {
        using var file = File.Create(path);
        using Stream target = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        target.Write(bytes);
    }
}
