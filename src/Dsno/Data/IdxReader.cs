using System.Buffers.Binary;
using System.IO.Compression;

namespace Dsno.Data;

/// <summary>
/// Reads and writes the IDX files of MNIST and Fashion-MNIST: a big-endian header (magic 0x00000803 then N, H, W for unsigned-byte
/// images; magic 0x00000801 then N for unsigned-byte labels) followed by the bytes. Files may be gzip-compressed (recognised by the
/// gzip magic bytes 1f 8b, whatever the file name) or raw. Header sizes are checked against the data actually present before any
/// large allocation, so a damaged or hostile header cannot make the reader allocate memory the file does not back.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an unsigned-byte image file with 3 dimensions (N, H, W).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an unsigned-byte label file with 1 dimension (N).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>The largest image or label count accepted.</summary>
    public const int MaxCount = 10_000_000;

    /// <summary>The largest height or width accepted.</summary>
    public const int MaxSide = 4096;

    private const int ChunkSize = 1 << 20;

    /// <summary>
    /// Reads an image file (and optionally its label file) into an <see cref="ImageSet"/> of shape [N, 1, H + 2 pad, W + 2 pad]
    /// with pixels 0..255 mapped linearly to [-1, 1] and padding filled with -1 (pad = 2 turns MNIST's 28x28 into 32x32).
    /// With labels, <see cref="ImageSet.ClassCount"/> is the largest label + 1.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is malformed: wrong magic, truncated, trailing bytes, corrupt gzip, sizes out of
    /// range, or label count different from image count. The message names the file and the problem.</exception>
    public static ImageSet Read(string imagesPath, string? labelsPath = null, int pad = 0)
    {
        ArgumentNullException.ThrowIfNull(imagesPath);
        ArgumentOutOfRangeException.ThrowIfNegative(pad);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pad, MaxSide);

        int[]? labels = labelsPath is null ? null : ReadLabels(labelsPath);
        byte[] data = ReadImageBytes(imagesPath, out int count, out int height, out int width);
        if (labels is not null && labels.Length != count)
            throw new InvalidDataException(
                $"{labelsPath}: holds {labels.Length} labels but the image file {imagesPath} holds {count} images");

        int h2 = height + 2 * pad, w2 = width + 2 * pad;
        if ((long)count * h2 * w2 > Array.MaxLength)
            throw new InvalidDataException($"{imagesPath}: {count} images of {h2}x{w2} after padding are more values than an array can hold");
        var pixels = new float[data.LongLength];
        for (long i = 0; i < pixels.LongLength; i++) pixels[i] = data[i] / 127.5f - 1f;

        int classCount = labels is null ? 0 : labels.Length == 0 ? 1 : labels.Max() + 1;
        var images = new ImageSet(pixels, count, 1, height, width, labels, classCount, Path.GetFileName(imagesPath));
        return pad > 0 ? images.Pad(pad) : images;
    }

    /// <summary>Reads the raw bytes of an image file: N*H*W values 0..255 in [N, H, W] order.</summary>
    /// <exception cref="InvalidDataException">The file is malformed (the message names it and the problem).</exception>
    public static byte[] ReadImageBytes(string path, out int count, out int height, out int width)
    {
        var dims = ReadIdx(path, ImagesMagic, out byte[] data, (d, p) =>
        {
            CheckCount(d[0], "image", p);
            CheckSide(d[1], "height", p);
            CheckSide(d[2], "width", p);
        });
        (count, height, width) = (dims[0], dims[1], dims[2]);
        return data;
    }

    /// <summary>Reads a label file: N labels 0..255.</summary>
    /// <exception cref="InvalidDataException">The file is malformed (the message names it and the problem).</exception>
    public static int[] ReadLabels(string path)
    {
        ReadIdx(path, LabelsMagic, out byte[] data, (d, p) => CheckCount(d[0], "label", p));
        return Array.ConvertAll(data, b => (int)b);
    }

    /// <summary>
    /// Writes images [N, H, W] (bytes 0..255) as an IDX image file; gzip-compressed when <paramref name="gzip"/> is true, or when it is
    /// null and the path ends with ".gz".
    /// </summary>
    public static void WriteImages(string path, byte[,,] images, bool? gzip = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        int n = images.GetLength(0), h = images.GetLength(1), w = images.GetLength(2);
        if (n > MaxCount) throw new ArgumentException($"{n} images is more than the {MaxCount} the reader accepts", nameof(images));
        if (h < 1 || h > MaxSide || w < 1 || w > MaxSide)
            throw new ArgumentException($"image size {h}x{w} must be within 1..{MaxSide}", nameof(images));
        var data = new byte[(long)n * h * w];
        Buffer.BlockCopy(images, 0, data, 0, data.Length);
        Write(path, ImagesMagic, new[] { n, h, w }, data, gzip);
    }

    /// <summary>
    /// Writes a one-channel <see cref="ImageSet"/> as an IDX image file, mapping [-1, 1] back to bytes (round((v + 1) * 127.5),
    /// clamped to 0..255). Gzip as in <see cref="WriteImages(string, byte[,,], bool?)"/>.
    /// </summary>
    public static void WriteImages(string path, ImageSet images, bool? gzip = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Channels != 1)
            throw new ArgumentException($"IDX image files hold one channel; the set has {images.Channels}", nameof(images));
        if (images.Height > MaxSide || images.Width > MaxSide)
            throw new ArgumentException($"image size {images.Height}x{images.Width} exceeds {MaxSide}", nameof(images));
        var data = new byte[images.Pixels.LongLength];
        for (long i = 0; i < data.LongLength; i++)
            data[i] = (byte)Math.Clamp(MathF.Round((images.Pixels[i] + 1f) * 127.5f), 0f, 255f);
        Write(path, ImagesMagic, new[] { images.Count, images.Height, images.Width }, data, gzip);
    }

    /// <summary>Writes labels (each 0..255) as an IDX label file. Gzip as in <see cref="WriteImages(string, byte[,,], bool?)"/>.</summary>
    public static void WriteLabels(string path, byte[] labels, bool? gzip = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Length > MaxCount) throw new ArgumentException($"{labels.Length} labels is more than {MaxCount}", nameof(labels));
        Write(path, LabelsMagic, new[] { labels.Length }, labels, gzip);
    }

    /// <summary>Writes the labels of <paramref name="images"/> (each must be below 256) as an IDX label file.</summary>
    public static void WriteLabels(string path, ImageSet images, bool? gzip = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        var labels = images.Labels ?? throw new ArgumentException($"{images.Name} has no labels", nameof(images));
        int i = Array.FindIndex(labels, l => l > byte.MaxValue);
        if (i >= 0) throw new ArgumentException($"label {labels[i]} at index {i} does not fit in a byte", nameof(images));
        WriteLabels(path, Array.ConvertAll(labels, l => (byte)l), gzip);
    }

    private static void Write(string path, int magic, int[] dims, byte[] data, bool? gzip)
    {
        ArgumentNullException.ThrowIfNull(path);
        bool compress = gzip ?? path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        var header = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        for (int k = 0; k < dims.Length; k++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * k), dims[k]);

        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        using Stream target = compress ? new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true) : file;
        target.Write(header);
        target.Write(data);
    }

    /// <summary>Reads header and data of one IDX file, checking everything before allocating the data buffer.</summary>
    private static int[] ReadIdx(string path, int magic, out byte[] data, Action<int[], string> checkDims)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        int dimCount = magic & 0xFF;
        string kind = magic == ImagesMagic ? "image" : "label";

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Span<byte> signature = stackalloc byte[2];
        bool gzip = file.ReadAtLeast(signature, 2, throwOnEndOfStream: false) == 2 && signature[0] == 0x1f && signature[1] == 0x8b;
        file.Position = 0;
        using Stream source = gzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : file;

        var header = new byte[4 + 4 * dimCount];
        int got = ReadSome(source, header, path, atLeast: header.Length);
        if (got < 4)
            throw new InvalidDataException($"{path}: truncated header: {got} bytes where an IDX {kind} file starts with {header.Length}");
        int found = BinaryPrimitives.ReadInt32BigEndian(header);
        if (found != magic)
        {
            string hint = found == ImagesMagic ? " (that is an image file)" : found == LabelsMagic ? " (that is a label file)" : "";
            throw new InvalidDataException(
                $"{path}: wrong magic number 0x{found:X8}{hint}; an IDX {kind} file starts with 0x{magic:X8}");
        }
        if (got < header.Length)
            throw new InvalidDataException($"{path}: truncated header: {got} of {header.Length} bytes");

        var dims = new int[dimCount];
        for (int k = 0; k < dimCount; k++) dims[k] = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 + 4 * k));
        checkDims(dims, path);
        long expected = 1;
        foreach (int d in dims) expected *= d; // at most 10^7 * 4096 * 4096: fits in a long
        if (expected > Array.MaxLength)
            throw new InvalidDataException(
                $"{path}: header declares [{string.Join(", ", dims)}] = {expected} bytes, more than an array can hold");

        if (!gzip)
        {
            // Raw file: the remaining length is known, so compare before allocating.
            long remaining = file.Length - header.Length;
            if (remaining < expected)
                throw new InvalidDataException(
                    $"{path}: truncated data: header declares [{string.Join(", ", dims)}] = {expected} bytes but only {remaining} follow");
            if (remaining > expected)
                throw new InvalidDataException(
                    $"{path}: trailing garbage: {remaining - expected} bytes after the {expected} bytes the header declares");
        }

        // A gzip file's decompressed length is unknown until read, so its buffer grows only as data actually arrives.
        var buffer = new byte[gzip ? Math.Min(expected, ChunkSize) : expected];
        long filled = 0;
        while (filled < expected)
        {
            if (filled == buffer.LongLength) Array.Resize(ref buffer, (int)Math.Min(expected, 2 * buffer.LongLength));
            int n = ReadSome(source, buffer.AsSpan((int)filled), path);
            if (n == 0) break;
            filled += n;
        }
        if (filled < expected)
            throw new InvalidDataException(
                $"{path}: truncated data: header declares [{string.Join(", ", dims)}] = {expected} bytes but the decompressed file holds only {filled}");
        Span<byte> probe = stackalloc byte[1];
        if (ReadSome(source, probe, path) != 0)
            throw new InvalidDataException(
                $"{path}: trailing garbage: the decompressed file holds more than the {expected} bytes the header declares");
        data = buffer;
        return dims;
    }

    private static void CheckCount(int n, string what, string path)
    {
        if (n < 0 || n > MaxCount)
            throw new InvalidDataException($"{path}: header declares {n} {what}s; the count must be within 0..{MaxCount}");
    }

    private static void CheckSide(int side, string what, string path)
    {
        if (side < 1 || side > MaxSide)
            throw new InvalidDataException($"{path}: header declares {what} {side}; it must be within 1..{MaxSide}");
    }

    /// <summary>Reads at least <paramref name="atLeast"/> bytes (fewer only at the end of the data); 0 at the end.</summary>
    private static int ReadSome(Stream s, Span<byte> buffer, string path, int atLeast = 1)
    {
        try
        {
            return s.ReadAtLeast(buffer, atLeast, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            // GZipStream reports corrupt compressed data this way, without the file name.
            throw new InvalidDataException($"{path}: corrupt gzip data: {e.Message}", e);
        }
    }
}
