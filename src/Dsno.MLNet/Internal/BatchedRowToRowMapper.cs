namespace Dsno.MLNet.Internal;

/// <summary>
/// The <see cref="IRowToRowMapper"/> of a <see cref="BatchedMapping"/>, which <c>PredictionEngine</c> needs: each row is mapped as a
/// batch of one, at most once per input position, and only when an output column is read.
/// </summary>
internal sealed class BatchedRowToRowMapper : IRowToRowMapper
{
    private readonly BoundBatchedMapping _bound;

    internal BatchedRowToRowMapper(BoundBatchedMapping bound) => _bound = bound;

    /// <inheritdoc/>
    public DataViewSchema InputSchema => _bound.InputSchema;

    /// <inheritdoc/>
    public DataViewSchema OutputSchema => _bound.OutputSchema;

    /// <inheritdoc/>
    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        _bound.Dependencies(dependingColumns);

    /// <inheritdoc/>
    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Schema != InputSchema)
            throw new ArgumentException("The row's schema is not the schema this mapper was created for.", nameof(input));
        return new Row(this, input, activeColumns);
    }

    private sealed class Row : DataViewRow
    {
        private readonly BatchedRowToRowMapper _mapper;
        private readonly DataViewRow _input;
        private readonly bool[] _activeOutputs;
        private BoundBatchedMapping.InputRowReader? _reader;
        private OutputBatch? _outputs;
        private long _computedAt = -1;

        public Row(BatchedRowToRowMapper mapper, DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
        {
            _mapper = mapper;
            _input = input;
            _activeOutputs = mapper._bound.ActiveOutputs(activeColumns);
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column)
        {
            int output = _mapper._bound.OutputIndexOf(column);
            return output >= 0 ? _activeOutputs[output] : _input.IsColumnActive(_mapper.InputSchema[column.Index]);
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int output = _mapper._bound.OutputIndexOf(column);
            if (output < 0) return _input.GetGetter<TValue>(_mapper.InputSchema[column.Index]);
            if (!_activeOutputs[output])
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when this row was created.");
            return _mapper._bound.OutputGetter<TValue>(column, output, () => Compute().Values(output), () => 0);
        }

        // Maps the input's current row, once per position (a row at position -1 is recomputed on every read).
        private OutputBatch Compute()
        {
            long position = _input.Position;
            if (_outputs is not null && position >= 0 && position == _computedAt) return _outputs;
            _reader ??= _mapper._bound.CreateReader(_input);
            var batch = new InputBatch(_mapper._bound.Mapping.Inputs, 1);
            _reader.Read(batch, 0);
            _outputs = _mapper._bound.Run(batch, _activeOutputs);
            _computedAt = position;
            return _outputs;
        }
    }
}
