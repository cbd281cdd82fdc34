using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Dsno.Data;

/// <summary>
/// Reads a folder of PNG, JPEG or BMP files into an <see cref="ImageSet"/>, resizing every image (ImageSharp's default bicubic
/// resampler) to one size. Layout: one sub-folder per class (the label is the index of the sub-folder's name in ordinal order, and
/// the names become <see cref="ImageSet.ClassNames"/>; files at any depth below a class folder belong to it), or, when the folder
/// has no sub-folders, image files directly in it, giving an unlabelled set. Sub-folders whose names start with '.' are skipped,
/// and so are files directly in the root when class sub-folders exist. Files are taken in ordinal order of their paths.
/// </summary>
public static class ImageFolderReader
{
    /// <summary>The file extensions read (case-insensitive); other files are skipped.</summary>
    public static IReadOnlyList<string> Extensions { get; } = new[] { ".png", ".jpg", ".jpeg", ".bmp" };

    /// <summary>
    /// Reads every image under <paramref name="folder"/>, resized to <paramref name="height"/> x <paramref name="width"/>.
    /// Grayscale gives one channel of Rec. 709 luma (0.2126 R + 0.7152 G + 0.0722 B); colour gives three channels R, G, B.
    /// Values 0..255 map linearly to [-1, 1]; alpha is dropped.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No image files were found, or a file cannot be decoded (the message names it).</exception>
    public static ImageSet Read(string folder, int height, int width, bool grayscale)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, IdxReader.MaxSide);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, IdxReader.MaxSide);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"image folder not found: {folder}");

        var classFolders = Directory.GetDirectories(folder)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal)
            .ToArray();

        var files = new List<(string Path, int Label)>();
        string[]? classNames = null;
        if (classFolders.Length > 0)
        {
            classNames = classFolders.Select(d => Path.GetFileName(d)).ToArray();
            for (int label = 0; label < classFolders.Length; label++)
            {
                foreach (var file in ImageFiles(classFolders[label], SearchOption.AllDirectories)) files.Add((file, label));
            }
        }
        else
        {
            foreach (var file in ImageFiles(folder, SearchOption.TopDirectoryOnly)) files.Add((file, -1));
        }
        if (files.Count == 0)
            throw new InvalidDataException(
                $"{folder}: no images found (looked for {string.Join(", ", Extensions)} files " +
                (classNames is null ? "directly in the folder)" : $"in the class sub-folders {string.Join(", ", classNames)})"));

        int channels = grayscale ? 1 : 3;
        int planeSize = height * width;
        long total = (long)files.Count * channels * planeSize;
        if (total > Array.MaxLength)
            throw new InvalidOperationException($"{files.Count} images of {channels}x{height}x{width} are more values than an array can hold");
        var pixels = new float[total];
        for (int i = 0; i < files.Count; i++)
        {
            using var image = Load(files[i].Path);
            if (image.Width != width || image.Height != height) image.Mutate(c => c.Resize(width, height));
            long offset = (long)i * channels * planeSize;
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < height; y++)
                {
                    var row = rows.GetRowSpan(y);
                    for (int x = 0; x < width; x++)
                    {
                        var p = row[x];
                        long at = offset + y * width + x;
                        if (grayscale)
                        {
                            pixels[at] = (0.2126f * p.R + 0.7152f * p.G + 0.0722f * p.B) / 127.5f - 1f;
                        }
                        else
                        {
                            pixels[at] = p.R / 127.5f - 1f;
                            pixels[at + planeSize] = p.G / 127.5f - 1f;
                            pixels[at + 2 * planeSize] = p.B / 127.5f - 1f;
                        }
                    }
                }
            });
        }

        int[]? labels = classNames is null ? null : files.Select(f => f.Label).ToArray();
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        return new ImageSet(pixels, files.Count, channels, height, width, labels, classNames?.Length ?? 0, name, classNames);
    }

    private static IEnumerable<string> ImageFiles(string folder, SearchOption depth) =>
        Directory.EnumerateFiles(folder, "*", depth)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Where(f => !Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
            .OrderBy(f => f, StringComparer.Ordinal);

    private static Image<Rgb24> Load(string path)
    {
        try
        {
            return Image.Load<Rgb24>(path);
        }
        catch (Exception e) when (e is not (IOException and not EndOfStreamException)
                                      and not UnauthorizedAccessException and not OutOfMemoryException)
        {
            // Decoders report damaged files in many ways (ImageSharp 2.1's JPEG decoder even with NullReferenceException);
            // file-system failures pass through unchanged, every decoding failure becomes one type that names the file.
            throw new InvalidDataException($"{path}: not a readable image ({e.GetType().Name}: {e.Message})", e);
        }
    }
}
