namespace Dsno.MLNet.Internal;

/// <summary>
/// A row-to-row computation that runs on whole batches: reads some input columns, adds float vector output columns, and calls one
/// function per batch of up to <see cref="BatchSize"/> rows. The building block a transformer delegates its
/// <see cref="ITransformer"/> members to (see <see cref="Transform"/>, <see cref="GetOutputSchema(DataViewSchema)"/>,
/// <see cref="GetRowToRowMapper"/>).
/// </summary>
/// <remarks>
/// Nothing is computed until a cursor asks for an output column; cursors that only read passed-through input columns never call
/// the function. Calls are serialised on <see cref="Gate"/>, so any number of cursors may run at once over one model; pass the same
/// gate to every mapping that shares a model (a TorchSharp module is not safe for concurrent forward passes).
/// </remarks>
internal sealed class BatchedMapping
{
    private readonly Action<InputBatch, OutputBatch> _mapBatch;
    private long _batchCalls;

    /// <summary>Describes the computation.</summary>
    /// <param name="inputs">The input columns the function reads, in the order the batch exposes them.</param>
    /// <param name="outputs">The output columns it writes (distinct names).</param>
    /// <param name="batchSize">Rows per call, at least 1 (the last batch of a cursor may be smaller).</param>
    /// <param name="mapBatch">Fills the active outputs of a batch from its inputs.</param>
    /// <param name="gate">The lock that serialises calls; defaults to a new object.</param>
    public BatchedMapping(IReadOnlyList<BatchInputColumn> inputs, IReadOnlyList<BatchOutputColumn> outputs, int batchSize,
        Action<InputBatch, OutputBatch> mapBatch, object? gate = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(mapBatch);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be at least 1.");
        if (outputs.Count == 0) throw new ArgumentException("A batched mapping needs at least one output column.", nameof(outputs));
        if (outputs.Select(o => o.Name).Distinct(StringComparer.Ordinal).Count() != outputs.Count)
            throw new ArgumentException("Output column names must be distinct.", nameof(outputs));
        Inputs = inputs.ToArray();
        Outputs = outputs.ToArray();
        BatchSize = batchSize;
        _mapBatch = mapBatch;
        Gate = gate ?? new object();
    }

    /// <summary>The input columns, in batch order.</summary>
    public IReadOnlyList<BatchInputColumn> Inputs { get; }

    /// <summary>The output columns, in schema order (appended after the input columns).</summary>
    public IReadOnlyList<BatchOutputColumn> Outputs { get; }

    /// <summary>Rows per call.</summary>
    public int BatchSize { get; }

    /// <summary>The lock held during each call of the function.</summary>
    public object Gate { get; }

    /// <summary>How many times the function has been called (all cursors, rows and row mappers together).</summary>
    public long BatchCalls => Interlocked.Read(ref _batchCalls);

    /// <summary>Checks <paramref name="inputSchema"/> and computes the output schema.</summary>
    public BoundBatchedMapping Bind(DataViewSchema inputSchema) => new(this, inputSchema);

    /// <summary>A lazy view: <paramref name="input"/>'s columns followed by the outputs.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new BatchedMappingDataView(input, Bind(input.Schema));
    }

    /// <summary>The schema <see cref="Transform"/> produces for <paramref name="inputSchema"/>.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Bind(inputSchema).OutputSchema;

    /// <summary>A one-row-at-a-time mapper (each call is a batch of one), for <c>PredictionEngine</c>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new BatchedRowToRowMapper(Bind(inputSchema));

    /// <summary>Runs the function on one batch under <see cref="Gate"/>.</summary>
    internal void Run(InputBatch input, OutputBatch output)
    {
        lock (Gate)
        {
            Interlocked.Increment(ref _batchCalls);
            _mapBatch(input, output);
        }
    }
}
