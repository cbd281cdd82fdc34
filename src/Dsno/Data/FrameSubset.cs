namespace Dsno.Data;

/// <summary>
/// Serves a subset of the frames of another source, so that trajectories generated once on a fine grid (for example the quadratic grid
/// with M = 8, which contains the M = 4 and M = 2 grids) train models on coarser grids without regenerating them.
/// </summary>
public sealed class FrameSubset : ITrajectorySource
{
    private readonly ITrajectorySource _inner;
    private readonly long[] _indices;

    /// <summary>Selects the frames at <paramref name="times"/>, each of which must be one of the source's frame times (to 1e-9).</summary>
    public FrameSubset(ITrajectorySource inner, IReadOnlyList<double> times)
    {
        _inner = inner;
        var source = inner.Layout.FrameTimes;
        _indices = times.Select(t =>
        {
            int k = Array.FindIndex(source, s => Math.Abs(s - t) < 1e-9);
            if (k < 0) throw new ArgumentOutOfRangeException(nameof(times), t, $"the source has no frame at t = {t}; its times are [{string.Join(", ", source)}]");
            return (long)k;
        }).ToArray();
        var l = inner.Layout;
        Layout = new TrajectoryLayout(l.Channels, l.Height, l.Width, _indices.Select(k => source[k]).ToArray(), l.Kind, l.ClassCount);
    }

    /// <inheritdoc/>
    public TrajectoryLayout Layout { get; }

    /// <inheritdoc/>
    public long Count => _inner.Count;

    /// <inheritdoc/>
    public TrajectoryBatch ReadBatch(long step, int batchSize, int seed)
    {
        using var batch = _inner.ReadBatch(step, batchSize, seed);
        using var index = torch.tensor(_indices);
        return new TrajectoryBatch(batch.Noise.clone(), batch.Frames.index_select(1, index), batch.Labels?.clone(), batch.FirstRecord);
    }
}
