namespace Dsno.Data;

/// <summary>
/// A batch of trajectory records: the starting noise x_T [B, C, H, W], the frames [B, F, C, H, W] and optional labels [B] (int64).
/// Tensors live on the CPU until a trainer moves them.
/// </summary>
public sealed class TrajectoryBatch : IDisposable
{
    /// <summary>Creates a batch; shapes are checked against each other.</summary>
    public TrajectoryBatch(Tensor noise, Tensor frames, Tensor? labels, long firstRecord = 0) : this(noise, frames, labels, null, firstRecord)
    {
    }

    /// <summary>Creates a batch with per-record guidance scales <paramref name="guidance"/> [B] (float32) of a w-conditioned set.</summary>
    public TrajectoryBatch(Tensor noise, Tensor frames, Tensor? labels, Tensor? guidance, long firstRecord)
    {
        if (guidance is not null && (guidance.dim() != 1 || guidance.shape[0] != noise.shape[0]))
            throw new ArgumentException("guidance must be [B]");
        Guidance = guidance;
        if (noise.dim() != 4) throw new ArgumentException($"noise must be [B, C, H, W], got rank {noise.dim()}");
        if (frames.dim() != 5 || frames.shape[0] != noise.shape[0] || !frames.shape.Skip(2).SequenceEqual(noise.shape.Skip(1)))
            throw new ArgumentException($"frames [{string.Join(", ", frames.shape)}] do not match noise [{string.Join(", ", noise.shape)}]");
        if (labels is not null && (labels.dim() != 1 || labels.shape[0] != noise.shape[0]))
            throw new ArgumentException("labels must be [B]");
        Noise = noise;
        Frames = frames;
        Labels = labels;
        FirstRecord = firstRecord;
    }

    /// <summary>x_T, [B, C, H, W].</summary>
    public Tensor Noise { get; }
    /// <summary>Frames, [B, F, C, H, W].</summary>
    public Tensor Frames { get; }
    /// <summary>Class labels, [B] int64, or null.</summary>
    public Tensor? Labels { get; }
    /// <summary>Per-record classifier-free guidance scales [B] (float32) the trajectories were solved at, or null.</summary>
    public Tensor? Guidance { get; }
    /// <summary>Index of the first record (for messages).</summary>
    public long FirstRecord { get; }
    /// <summary>Records in the batch.</summary>
    public int Count => (int)Noise.shape[0];

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first record that holds a NaN or infinite value.</summary>
    public void CheckFinite(string source)
    {
        using var scope = torch.NewDisposeScope();
        var bad = (~torch.isfinite(Noise)).flatten(1).any(1) | (~torch.isfinite(Frames)).flatten(1).any(1);
        if (bad.any().item<bool>())
        {
            long index = bad.nonzero()[0, 0].item<long>();
            throw new InvalidDataException($"{source}: record {FirstRecord + index} holds a NaN or infinite value");
        }
    }

    /// <summary>The records of <paramref name="parts"/> in order, as one batch (without guidance scales); the parts are disposed.</summary>
    internal static TrajectoryBatch Concatenate(IReadOnlyList<TrajectoryBatch> parts)
    {
        if (parts.Count == 1) return parts[0];
        var batch = new TrajectoryBatch(
            torch.cat(parts.Select(p => p.Noise).ToList(), 0),
            torch.cat(parts.Select(p => p.Frames).ToList(), 0),
            parts[0].Labels is null ? null : torch.cat(parts.Select(p => p.Labels!).ToList(), 0),
            parts[0].FirstRecord);
        foreach (var p in parts) p.Dispose();
        return batch;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Noise.Dispose();
        Frames.Dispose();
        Labels?.Dispose();
        Guidance?.Dispose();
    }
}
