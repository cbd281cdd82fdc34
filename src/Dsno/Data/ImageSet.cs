namespace Dsno.Data;

/// <summary>
/// An in-memory set of images, optionally labelled, stored as one flat float array in [N, C, H, W] order with values in [-1, 1]
/// (-1 = black / background, 1 = white). The readers in this namespace produce this range; the constructor checks shapes, finiteness
/// and labels, not the range, so that model outputs a little outside it can be held too.
/// </summary>
public sealed class ImageSet
{
    /// <summary>The value used for padding: the background (black) end of the [-1, 1] range.</summary>
    public const float Background = -1f;

    /// <summary>
    /// Creates a set over <paramref name="pixels"/> (not copied: the set takes the array as it is).
    /// </summary>
    /// <param name="pixels">N*C*H*W values in [N, C, H, W] order.</param>
    /// <param name="count">N, the number of images (0 allowed).</param>
    /// <param name="channels">C (1 for grayscale, 3 for RGB).</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="labels">One class index per image, or null for an unlabelled set.</param>
    /// <param name="classCount">The number of classes; required (positive) with labels, 0 without.</param>
    /// <param name="name">A short description, for messages and reports.</param>
    /// <param name="classNames">Optional names of the classes, one per class.</param>
    /// <exception cref="ArgumentException">Inconsistent sizes, a NaN or infinite value (the message names its index), or a label
    /// outside [0, classCount).</exception>
    public ImageSet(float[] pixels, int count, int channels, int height, int width, int[]? labels = null, int classCount = 0,
                    string name = "images", string[]? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if ((long)channels * height * width > Array.MaxLength)
            throw new ArgumentException($"one image of {channels}x{height}x{width} values is larger than an array can hold");
        long expected = (long)count * channels * height * width;
        if (pixels.LongLength != expected)
            throw new ArgumentException(
                $"{pixels.LongLength} pixel values do not match N*C*H*W = {count}*{channels}*{height}*{width} = {expected}", nameof(pixels));
        for (long i = 0; i < pixels.LongLength; i++)
        {
            if (!float.IsFinite(pixels[i]))
                throw new ArgumentException(
                    $"pixel value at flat index {i} (image {i / ((long)channels * height * width)}) is {pixels[i]}; values must be finite",
                    nameof(pixels));
        }

        if (labels is null)
        {
            if (classCount != 0)
                throw new ArgumentException($"classCount is {classCount} but no labels were given; an unlabelled set has classCount 0", nameof(classCount));
            if (classNames is not null)
                throw new ArgumentException("class names were given for an unlabelled set", nameof(classNames));
        }
        else
        {
            if (labels.Length != count)
                throw new ArgumentException($"{labels.Length} labels for {count} images", nameof(labels));
            if (classCount < 1)
                throw new ArgumentException($"a labelled set needs classCount >= 1, got {classCount}", nameof(classCount));
            int i = Array.FindIndex(labels, l => (uint)l >= (uint)classCount);
            if (i >= 0) throw new ArgumentException($"label at index {i} is {labels[i]}, outside [0, {classCount})", nameof(labels));
            if (classNames is not null && classNames.Length != classCount)
                throw new ArgumentException($"{classNames.Length} class names for {classCount} classes", nameof(classNames));
        }

        Pixels = pixels;
        Count = count;
        Channels = channels;
        Height = height;
        Width = width;
        Labels = labels;
        ClassCount = labels is null ? 0 : classCount;
        Name = name ?? "images";
        ClassNames = classNames;
    }

    /// <summary>All values, N*C*H*W in [N, C, H, W] order, in [-1, 1].</summary>
    public float[] Pixels { get; }

    /// <summary>N, the number of images.</summary>
    public int Count { get; }

    /// <summary>C, channels per image.</summary>
    public int Channels { get; }

    /// <summary>H, image height in pixels.</summary>
    public int Height { get; }

    /// <summary>W, image width in pixels.</summary>
    public int Width { get; }

    /// <summary>C*H*W, values per image.</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>One class index per image, or null when the set is unlabelled.</summary>
    public int[]? Labels { get; }

    /// <summary>The number of classes; 0 when the set is unlabelled.</summary>
    public int ClassCount { get; }

    /// <summary>Names of the classes (for example sub-folder names), when known; index = label.</summary>
    public string[]? ClassNames { get; }

    /// <summary>A short description of where the images came from.</summary>
    public string Name { get; }

    /// <summary>A copy of image <paramref name="index"/>'s C*H*W values.</summary>
    public float[] GetImage(int index)
    {
        CheckRange(index, 1);
        return Pixels.AsSpan(index * ImageSize, ImageSize).ToArray();
    }

    /// <summary>All images as a float32 tensor of shape [N, C, H, W].</summary>
    public Tensor ToTensor(Device? device = null) => ToTensor(0, Count, device);

    /// <summary>Images <paramref name="start"/> .. start+count-1 as a float32 tensor of shape [count, C, H, W].</summary>
    public Tensor ToTensor(int start, int count, Device? device = null)
    {
        CheckRange(start, count);
        var values = Pixels.AsSpan(start * ImageSize, count * ImageSize).ToArray();
        return OnDevice(TensorFactory.Owned(values, count, Channels, Height, Width), device);
    }

    /// <summary>The labels as an int64 tensor of shape [N], or null when the set is unlabelled.</summary>
    public Tensor? LabelsTensor(Device? device = null) =>
        Labels is null ? null : OnDevice(torch.tensor(Array.ConvertAll(Labels, l => (long)l), new long[] { Count }, ScalarType.Int64), device);

    /// <summary><paramref name="cpu"/> itself on the CPU, else a copy on <paramref name="device"/> (and <paramref name="cpu"/> disposed).</summary>
    private static Tensor OnDevice(Tensor cpu, Device? device)
    {
        if (device is null || device.type == DeviceType.CPU) return cpu;
        using (cpu) return cpu.to(device);
    }

    /// <summary>The first <paramref name="n"/> images (all of them when n &gt;= Count).</summary>
    public ImageSet Take(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        return Slice(0, Math.Min(n, Count));
    }

    /// <summary>Images <paramref name="start"/> .. start+count-1, copied.</summary>
    public ImageSet Slice(int start, int count)
    {
        CheckRange(start, count);
        var pixels = Pixels.AsSpan(start * ImageSize, count * ImageSize).ToArray();
        var labels = Labels?.AsSpan(start, count).ToArray();
        return new ImageSet(pixels, count, Channels, Height, Width, labels, ClassCount, Name, ClassNames);
    }

    /// <summary>The images at <paramref name="indices"/>, in that order (repeats allowed), copied.</summary>
    public ImageSet Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        int size = ImageSize;
        var pixels = new float[(long)indices.Count * size];
        var labels = Labels is null ? null : new int[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            int i = indices[k];
            if ((uint)i >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), i, $"index {k} is {i}, outside [0, {Count})");
            Array.Copy(Pixels, (long)i * size, pixels, (long)k * size, size);
            if (labels is not null) labels[k] = Labels![i];
        }
        return new ImageSet(pixels, indices.Count, Channels, Height, Width, labels, ClassCount, Name, ClassNames);
    }

    /// <summary>
    /// Shuffles the images with a seeded permutation (the same for the same seed and count, on every machine) and splits them:
    /// the test part gets round(Count * testFraction) images, at least 1, and the train part the rest, at least 1.
    /// </summary>
    public (ImageSet train, ImageSet test) Split(double testFraction, int seed)
    {
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "testFraction must be in (0, 1)");
        if (Count < 2) throw new InvalidOperationException($"cannot split {Count} image(s) into a train and a test part");
        int testCount = Math.Clamp((int)Math.Round(Count * testFraction), 1, Count - 1);

        // Fisher-Yates with SplitMix64, so the permutation does not depend on the runtime's Random implementation.
        var order = new int[Count];
        for (int i = 0; i < Count; i++) order[i] = i;
        ulong state = SplitMix64.Mix((ulong)(uint)seed ^ 0x5EED5EED5EED5EEDUL);
        for (int i = Count - 1; i > 0; i--)
        {
            state += SplitMix64.Gamma;
            int j = (int)SplitMix64.Below(SplitMix64.Mix(state), (uint)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        var test = Subset(order.AsSpan(0, testCount).ToArray());
        var train = Subset(order.AsSpan(testCount).ToArray());
        return (train, test);
    }

    /// <summary>Adds <paramref name="pad"/> pixels of <see cref="Background"/> (-1) on every side: H and W grow by 2*pad.</summary>
    public ImageSet Pad(int pad)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pad);
        if (pad == 0) return Slice(0, Count);
        int h2 = Height + 2 * pad, w2 = Width + 2 * pad;
        long planes = (long)Count * Channels;
        var pixels = new float[checked(planes * h2 * w2)];
        Array.Fill(pixels, Background);
        for (long p = 0; p < planes; p++)
        {
            for (int y = 0; y < Height; y++)
            {
                Array.Copy(Pixels, (p * Height + y) * Width, pixels, (p * h2 + y + pad) * w2 + pad, Width);
            }
        }
        return new ImageSet(pixels, Count, Channels, h2, w2, Labels?.ToArray(), ClassCount, Name, ClassNames);
    }

    /// <summary>Halves H and W by averaging each 2x2 block (H and W must be even), for example 32x32 to 16x16.</summary>
    public ImageSet AveragePool2x2()
    {
        if (Height % 2 != 0 || Width % 2 != 0)
            throw new InvalidOperationException($"AveragePool2x2 needs an even height and width, got {Height}x{Width}");
        int h2 = Height / 2, w2 = Width / 2;
        long planes = (long)Count * Channels;
        var pixels = new float[planes * h2 * w2];
        for (long p = 0; p < planes; p++)
        {
            long src = p * Height * Width, dst = p * h2 * w2;
            for (int y = 0; y < h2; y++)
            {
                long row0 = src + 2 * y * Width, row1 = row0 + Width;
                for (int x = 0; x < w2; x++)
                {
                    float sum = Pixels[row0 + 2 * x] + Pixels[row0 + 2 * x + 1] + Pixels[row1 + 2 * x] + Pixels[row1 + 2 * x + 1];
                    pixels[dst + y * w2 + x] = 0.25f * sum;
                }
            }
        }
        return new ImageSet(pixels, Count, Channels, h2, w2, Labels?.ToArray(), ClassCount, Name, ClassNames);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name}: {Count} x [{Channels}, {Height}, {Width}]" + (Labels is null ? ", unlabelled" : $", {ClassCount} classes");

    private void CheckRange(int start, int count)
    {
        if (start < 0 || count < 0 || start > Count - count)
            throw new ArgumentOutOfRangeException(nameof(start), $"range [{start}, {start}+{count}) is outside the {Count} images");
    }
}
