namespace Dsno.MLNet.Internal;

/// <summary>
/// The lazy result of <see cref="BatchedMapping.Transform"/>: the input's columns followed by the mapping's outputs, computed a
/// batch at a time as cursors move.
/// </summary>
/// <remarks>
/// Each cursor opens one cursor on the input. When no output column is requested it simply passes the input through. Otherwise it
/// reads up to <see cref="BatchedMapping.BatchSize"/> rows ahead, keeping the requested input columns of those rows, calls the
/// mapping once for the batch, and then serves the rows one by one from what it kept. Creating the view computes nothing.
/// </remarks>
internal sealed class BatchedMappingDataView(IDataView input, BoundBatchedMapping bound) : IDataView
{
    private readonly BoundBatchedMapping _bound = bound;

    /// <summary>The view whose rows this one has.</summary>
    private IDataView Input { get; } = input;

    /// <inheritdoc/>
    public DataViewSchema Schema => _bound.OutputSchema;

    /// <summary>Rows are mapped independently, so the view can shuffle whenever its input can.</summary>
    public bool CanShuffle => Input.CanShuffle;

    /// <inheritdoc/>
    public long? GetRowCount() => Input.GetRowCount();

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        return new Cursor(this, columnsNeeded, rand);
    }

    /// <summary>One cursor: batching already uses the model's own parallelism.</summary>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly BatchedMappingDataView _view;
        private readonly DataViewRowCursor _input;
        private readonly bool[] _activeInputs;   // by input schema index: passed-through columns requested
        private readonly bool[] _activeOutputs;  // by output index
        private readonly bool _batched;

        // Batched mode only.
        private readonly BoundBatchedMapping.InputRowReader? _reader;
        private readonly ColumnBatchCache?[] _caches = Array.Empty<ColumnBatchCache?>();
        private readonly ValueGetter<DataViewRowId>? _inputId;
        private readonly DataViewRowId[] _ids = Array.Empty<DataViewRowId>();
        private OutputBatch? _outputs;
        private int _count;
        private int _slot = -1;

        private long _position = -1;
        private bool _done;

        public Cursor(BatchedMappingDataView view, IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand)
        {
            _view = view;
            var bound = view._bound;
            var inputSchema = bound.InputSchema;
            var columns = columnsNeeded.ToList();
            _activeInputs = new bool[inputSchema.Count];
            foreach (var column in columns)
                if (bound.OutputIndexOf(column) < 0) _activeInputs[column.Index] = true;
            _activeOutputs = bound.ActiveOutputs(columns);
            _batched = _activeOutputs.Any(a => a);
            _input = view.Input.GetRowCursor(bound.Dependencies(columns), rand);

            if (_batched)
            {
                int capacity = bound.Mapping.BatchSize;
                _reader = bound.CreateReader(_input);
                _caches = new ColumnBatchCache?[inputSchema.Count];
                for (int i = 0; i < _caches.Length; i++)
                    if (_activeInputs[i]) _caches[i] = ColumnBatchCache.Create(_input, inputSchema[i], capacity);
                _inputId = _input.GetIdGetter();
                _ids = new DataViewRowId[capacity];
            }
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _position;

        public override long Batch => _batched ? 0 : _input.Batch;

        public override bool MoveNext()
        {
            if (_done) return false;
            bool moved = _batched ? MoveNextBatched() : _input.MoveNext();
            if (!moved)
            {
                _done = true;
                return false;
            }
            _position++;
            return true;
        }

        private bool MoveNextBatched()
        {
            if (_slot + 1 < _count)
            {
                _slot++;
                return true;
            }
            var mapping = _view._bound.Mapping;
            // Read into a full-size batch; a short last batch is copied into one of its exact size.
            var full = new InputBatch(mapping.Inputs, mapping.BatchSize);
            int count = 0;
            while (count < mapping.BatchSize && _input.MoveNext())
            {
                foreach (var cache in _caches) cache?.Capture(count);
                _inputId!(ref _ids[count]);
                _reader!.Read(full, count);
                count++;
            }
            if (count == 0)
            {
                _count = 0;
                _outputs = null;
                return false;
            }
            _outputs = _view._bound.Run(count == mapping.BatchSize ? full : Shrink(full, mapping.Inputs, count), _activeOutputs);
            _count = count;
            _slot = 0;
            return true;
        }

        private static InputBatch Shrink(InputBatch full, IReadOnlyList<BatchInputColumn> inputs, int count)
        {
            var batch = new InputBatch(inputs, count);
            for (int i = 0; i < inputs.Count; i++)
            {
                if (inputs[i].Kind != BatchInputKind.Integer)
                    Array.Copy(full.Floats(i), batch.Floats(i), batch.Floats(i).Length);
                else
                    Array.Copy(full.Integers(i), batch.Integers(i), count);
            }
            return batch;
        }

        private int CurrentSlot()
        {
            if (_position < 0 || _done) throw new InvalidOperationException("The cursor is not on a row: call MoveNext first.");
            return _slot;
        }

        public override bool IsColumnActive(DataViewSchema.Column column)
        {
            int output = _view._bound.OutputIndexOf(column);
            return output >= 0 ? _activeOutputs[output] : _activeInputs[column.Index];
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column))
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when this cursor was created.");
            int output = _view._bound.OutputIndexOf(column);
            if (output < 0)
                return _batched
                    ? _caches[column.Index]!.GetGetter<TValue>(CurrentSlot, column.Name)
                    : _input.GetGetter<TValue>(_view._bound.InputSchema[column.Index]);
            return _view._bound.OutputGetter<TValue>(column, output, () => _outputs!.Values(output), CurrentSlot);
        }

        public override ValueGetter<DataViewRowId> GetIdGetter()
        {
            if (!_batched) return _input.GetIdGetter();
            return (ref DataViewRowId id) => id = _ids[CurrentSlot()];
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
