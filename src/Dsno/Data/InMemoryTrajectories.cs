namespace Dsno.Data;

/// <summary>Trajectory records held in memory as tensors: for tests and small sets. Batches are seeded random draws per step.</summary>
public sealed class InMemoryTrajectories : ITrajectorySource, IDisposable
{
    private readonly TrajectoryBatch _all;

    /// <summary>Wraps a batch holding every record (the batch is owned from now on). Values are checked to be finite.</summary>
    public InMemoryTrajectories(TrajectoryBatch records, TrajectoryLayout layout)
    {
        if (records.Frames.shape[1] != layout.FrameCount)
            throw new InvalidDataException($"records hold {records.Frames.shape[1]} frames but the time grid has {layout.FrameCount}");
        if (records.Noise.shape[1] != layout.Channels || records.Noise.shape[2] != layout.Height || records.Noise.shape[3] != layout.Width)
            throw new InvalidDataException($"records are {string.Join("x", records.Noise.shape.Skip(1))}, expected {layout.Channels}x{layout.Height}x{layout.Width}");
        if (layout.HasLabels != (records.Labels is not null)) throw new InvalidDataException(layout.HasLabels ? "records lack labels" : "records have labels but the layout has no classes");
        records.CheckFinite("trajectory records");
        _all = records;
        Layout = layout;
    }

    /// <inheritdoc/>
    public TrajectoryLayout Layout { get; }
    /// <inheritdoc/>
    public long Count => _all.Count;
    /// <summary>All records.</summary>
    public TrajectoryBatch Records => _all;

    /// <inheritdoc/>
    public TrajectoryBatch ReadBatch(long step, int batchSize, int seed)
    {
        using var generator = new Generator(SeedMix.Mix(seed, step, stream: 5));
        var idx = torch.randint(0, Count, new long[] { Math.Min(batchSize, Count) }, generator: generator);
        return new TrajectoryBatch(_all.Noise.index_select(0, idx), _all.Frames.index_select(0, idx), _all.Labels?.index_select(0, idx),
            _all.Guidance?.index_select(0, idx), 0);
    }

    /// <inheritdoc/>
    public void Dispose() => _all.Dispose();
}
