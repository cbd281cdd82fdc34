using Dsno.Data;
using Dsno.Runtime;
using TorchSharp;

namespace Dsno.MLNet.Internal;

/// <summary>
/// Streams trajectory records from an <see cref="IDataView"/> (for example a <c>.idv</c> file) to a core trainer, one batch per step,
/// through a cursor: only one batch is in memory, whatever the number of rows. Each epoch opens a new cursor, shuffled with a seed
/// derived from (seed, epoch) when the view can shuffle. Steps are served in order; a resumed run skips forward by reading.
/// </summary>
internal sealed class DataViewTrajectorySource : ITrajectorySource, IDisposable
{
    private readonly IDataView _view;
    private readonly DataViewSchema.Column _noise, _trajectory;
    private readonly DataViewSchema.Column? _label;
    private readonly DataViewSchema.Column? _guidance;
    private Func<float>? _getGuidance;
    private DataViewRowCursor? _cursor;
    private Action<Span<float>>? _getNoise, _getFrames;
    private Func<long>? _getLabel;
    private long _nextStep;
    private long _epoch = -1;

    public DataViewTrajectorySource(IDataView view, DataViewSchema.Column noise, DataViewSchema.Column trajectory, DataViewSchema.Column? label,
        TrajectoryLayout layout, DataViewSchema.Column? guidance = null)
    {
        _guidance = guidance;
        _view = view;
        _noise = noise;
        _trajectory = trajectory;
        _label = label;
        Layout = layout;
        Count = ColumnReaders.RowCount(view);
        if (Count == 0) throw new InvalidOperationException("the training data has no rows");
    }

    public TrajectoryLayout Layout { get; }
    public long Count { get; }

    public TrajectoryBatch ReadBatch(long step, int batchSize, int seed)
    {
        if (step < _nextStep) // a new run over the same source: start again from the first epoch
        {
            _cursor?.Dispose();
            _cursor = null;
            _epoch = -1;
            _nextStep = 0;
        }
        int b = (int)Math.Min(batchSize, Count);
        for (; _nextStep < step; _nextStep++) // a resumed run: read past the steps already taken
            for (int i = 0; i < b; i++) Advance(seed);
        _nextStep = step + 1;
        return Read(b, seed);
    }

    private void Advance(int seed)
    {
        if (_cursor is not null && _cursor.MoveNext()) return;
        // End of an epoch (or the first call): open the next epoch's cursor.
        _cursor?.Dispose();
        _epoch++;
        int epochSeed = (int)(SeedMix.Mix(seed, _epoch, stream: 11) & 0x7FFFFFFF);
        var columns = new List<DataViewSchema.Column> { _noise, _trajectory };
        if (_label is { } labelColumn) columns.Add(labelColumn);
        if (_guidance is { } guidanceColumn) columns.Add(guidanceColumn);
        _cursor = _view.CanShuffle ? _view.GetRowCursor(columns, new Random(epochSeed)) : _view.GetRowCursor(columns);
        _getNoise = ColumnReaders.FloatVector(_cursor, _noise, Layout.ImageSize);
        _getFrames = ColumnReaders.FloatVector(_cursor, _trajectory, Layout.ImageSize * Layout.FrameCount);
        _getLabel = _label is null ? null : ColumnReaders.Label(_cursor, _label.Value);
        _getGuidance = _guidance is null ? null : ColumnReaders.Guidance(_cursor, _guidance.Value);
        if (!_cursor.MoveNext()) throw new InvalidOperationException("the training data has no rows");
    }

    private TrajectoryBatch Read(int count, int seed)
    {
        int image = Layout.ImageSize, frames = Layout.FrameCount;
        var noise = new float[count * image];
        var traj = new float[count * image * frames];
        var labels = _label is null ? null : new long[count];
        var guidance = _guidance is null ? null : new float[count];
        long first = -1;
        for (int i = 0; i < count; i++)
        {
            Advance(seed);
            if (first < 0) first = _cursor!.Position;
            _getNoise!(noise.AsSpan(i * image, image));
            _getFrames!(traj.AsSpan(i * image * frames, image * frames));
            if (labels is not null)
            {
                long label = _getLabel!();
                if (label >= Layout.ClassCount)
                    throw new InvalidDataException($"column '{_label!.Value.Name}': row {_cursor!.Position} has label {label}, but the model has {Layout.ClassCount} classes (0..{Layout.ClassCount - 1})");
                labels[i] = label;
            }
            if (guidance is not null) guidance[i] = _getGuidance!();
        }
        // clone(): libtorch-owned memory, so results do not depend on where the managed arrays were pinned.
        var batch = new TrajectoryBatch(
            TensorFactory.Owned(noise, count, Layout.Channels, Layout.Height, Layout.Width),
            TensorFactory.Owned(traj, count, frames, Layout.Channels, Layout.Height, Layout.Width),
            labels is null ? null : torch.tensor(labels), guidance is null ? null : TensorFactory.Owned(guidance, count), first);
        batch.CheckFinite($"column '{_trajectory.Name}'");
        return batch;
    }

    public void Dispose() => _cursor?.Dispose();
}
