namespace Dsno.Data;

/// <summary>The shape shared by every record of a trajectory set: image size, frame times and what the frames hold.</summary>
public sealed record TrajectoryLayout
{
    /// <summary>Creates and validates a layout.</summary>
    public TrajectoryLayout(int channels, int height, int width, IReadOnlyList<double> frameTimes, FrameKind kind = FrameKind.Denoised, int classCount = 0)
    {
        if (channels < 1 || channels > 64) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be in 1..64");
        if (height < 1 || height > 4096) throw new ArgumentOutOfRangeException(nameof(height), height, "height must be in 1..4096");
        if (width < 1 || width > 4096) throw new ArgumentOutOfRangeException(nameof(width), width, "width must be in 1..4096");
        if (classCount < 0) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "class count must not be negative");
        Channels = channels;
        Height = height;
        Width = width;
        FrameTimes = Diffusion.FrameTimes.Validate(frameTimes);
        Kind = kind;
        ClassCount = classCount;
    }

    /// <summary>Image channels.</summary>
    public int Channels { get; }
    /// <summary>Image height.</summary>
    public int Height { get; }
    /// <summary>Image width.</summary>
    public int Width { get; }
    /// <summary>Frame times, strictly decreasing, last 0.</summary>
    public double[] FrameTimes { get; }
    /// <summary>What the frames hold.</summary>
    public FrameKind Kind { get; }
    /// <summary>Number of classes of the labels; 0 = no labels.</summary>
    public int ClassCount { get; }
    /// <summary>Frames per record.</summary>
    public int FrameCount => FrameTimes.Length;
    /// <summary>Floats in one image.</summary>
    public int ImageSize => Channels * Height * Width;
    /// <summary>True when records carry a class label.</summary>
    public bool HasLabels => ClassCount > 0;

    /// <summary>Throws <see cref="InvalidDataException"/> when <paramref name="other"/> cannot be mixed with this layout.</summary>
    public void CheckCompatible(TrajectoryLayout other, string what)
    {
        if (other.Channels != Channels || other.Height != Height || other.Width != Width)
            throw new InvalidDataException($"{what}: images are {other.Channels}x{other.Height}x{other.Width}, expected {Channels}x{Height}x{Width}");
        if (!other.FrameTimes.SequenceEqual(FrameTimes))
            throw new InvalidDataException($"{what}: frame times [{string.Join(", ", other.FrameTimes)}] differ from [{string.Join(", ", FrameTimes)}]");
        if (other.Kind != Kind) throw new InvalidDataException($"{what}: frames hold {other.Kind}, expected {Kind}");
        if (other.ClassCount != ClassCount) throw new InvalidDataException($"{what}: {other.ClassCount} classes, expected {ClassCount}");
    }
}
