namespace Dsno.MLNet.Internal;

/// <summary>A <see cref="BatchedMapping"/> checked against one input schema: where its inputs are and what its output schema is.</summary>
internal sealed class BoundBatchedMapping
{
    internal BoundBatchedMapping(BatchedMapping mapping, DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        Mapping = mapping;
        InputSchema = inputSchema;
        InputColumns = mapping.Inputs.Select(input => input.Kind switch
        {
            BatchInputKind.FloatVector => SchemaChecks.RequireFloatVector(inputSchema, input.Name, input.Dimensions),
            BatchInputKind.Float => SchemaChecks.RequireFloatScalar(inputSchema, input.Name),
            _ => SchemaChecks.RequireInteger(inputSchema, input.Name),
        }).ToArray();

        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema); // keeps every input column, hidden ones too, at its index
        foreach (var output in mapping.Outputs)
            builder.AddColumn(output.Name, output.Type, output.BuildAnnotations());
        OutputSchema = builder.ToSchema();
    }

    /// <summary>The mapping.</summary>
    public BatchedMapping Mapping { get; }

    /// <summary>The schema this binding was checked against.</summary>
    public DataViewSchema InputSchema { get; }

    /// <summary>The input columns the function reads, in batch order.</summary>
    public IReadOnlyList<DataViewSchema.Column> InputColumns { get; }

    /// <summary>The input columns followed by the output columns.</summary>
    public DataViewSchema OutputSchema { get; }

    /// <summary>Index in <see cref="OutputSchema"/> of the first output column; columns below it are the input's.</summary>
    public int FirstOutputIndex => InputSchema.Count;

    /// <summary>Which output (index into <see cref="BatchedMapping.Outputs"/>) <paramref name="column"/> is, or -1 for an input column.</summary>
    public int OutputIndexOf(DataViewSchema.Column column)
    {
        if (column.Index < 0 || column.Index >= OutputSchema.Count)
            throw new ArgumentOutOfRangeException(nameof(column), $"Column index {column.Index} is not in this schema.");
        return column.Index >= FirstOutputIndex ? column.Index - FirstOutputIndex : -1;
    }

    /// <summary>Which outputs (by index into <see cref="BatchedMapping.Outputs"/>) <paramref name="columns"/> asks for.</summary>
    internal bool[] ActiveOutputs(IEnumerable<DataViewSchema.Column> columns)
    {
        var active = new bool[Mapping.Outputs.Count];
        foreach (var column in columns)
            if (OutputIndexOf(column) is >= 0 and var output) active[output] = true;
        return active;
    }

    /// <summary>The input columns that serving <paramref name="columns"/> reads: the requested input columns, and the function's inputs when an output is requested.</summary>
    internal IReadOnlyList<DataViewSchema.Column> Dependencies(IEnumerable<DataViewSchema.Column> columns)
    {
        var list = columns.ToList();
        var needed = list.Where(c => OutputIndexOf(c) < 0).Select(c => InputSchema[c.Index]);
        if (list.Any(c => OutputIndexOf(c) >= 0)) needed = needed.Concat(InputColumns);
        return needed.DistinctBy(c => c.Index).OrderBy(c => c.Index).ToList();
    }

    /// <summary>Runs the function on <paramref name="batch"/>, computing the <paramref name="active"/> outputs.</summary>
    internal OutputBatch Run(InputBatch batch, bool[] active)
    {
        var outputs = new OutputBatch(Mapping.Outputs, active, batch.Count);
        Mapping.Run(batch, outputs);
        return outputs;
    }

    /// <summary>Creates a reader of the function's inputs from the current row of <paramref name="row"/>.</summary>
    public InputRowReader CreateReader(DataViewRow row) => new(this, row);

    /// <summary>
    /// A getter of output column <paramref name="column"/> (output <paramref name="output"/>) that copies row <c>slot()</c> out of
    /// <c>values()</c>, or for an image output draws it; <typeparamref name="TValue"/> must be <see cref="VBuffer{T}"/> of
    /// <see cref="float"/>, or <see cref="MLImage"/> for an image output.
    /// </summary>
    internal ValueGetter<TValue> OutputGetter<TValue>(DataViewSchema.Column column, int output, Func<float[]> values, Func<int> slot)
    {
        var definition = Mapping.Outputs[output];
        int size = definition.Size;
        if (definition.IsImage)
        {
            if (typeof(TValue) != typeof(MLImage))
                throw new InvalidOperationException($"Column '{column.Name}' holds {nameof(MLImage)} values; a getter of {typeof(TValue).Name} was asked for.");
            int[] d = definition.Dimensions;
            ValueGetter<MLImage> image = (ref MLImage dst) => dst = MLImageColumn.Draw(values().AsSpan(slot() * size, size), d[0], d[1], d[2]);
            return (ValueGetter<TValue>)(Delegate)image;
        }
        if (typeof(TValue) != typeof(VBuffer<float>))
            throw new InvalidOperationException($"Column '{column.Name}' is a vector of Single; a getter of {typeof(TValue).Name} was asked for.");
        ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> dst) => VBuffer<float>.Copy(values(), slot() * size, ref dst, size);
        return (ValueGetter<TValue>)(Delegate)getter;
    }

    /// <summary>Reads the function's inputs from the current row of a cursor or row into a slot of an <see cref="InputBatch"/>.</summary>
    internal sealed class InputRowReader
    {
        private readonly Action<InputBatch, int>[] _readers;

        internal InputRowReader(BoundBatchedMapping bound, DataViewRow row)
        {
            _readers = new Action<InputBatch, int>[bound.InputColumns.Count];
            for (int i = 0; i < _readers.Length; i++)
            {
                var column = row.Schema[bound.InputColumns[i].Index];
                _readers[i] = bound.Mapping.Inputs[i].Kind switch
                {
                    BatchInputKind.FloatVector => FloatVectorReader(row, column, i, bound.Mapping.Inputs[i].Size),
                    BatchInputKind.Float => FloatReader(row, column, i),
                    _ => IntegerReader(row, column, i),
                };
            }
        }

        /// <summary>Copies the current row's inputs into row <paramref name="slot"/> of <paramref name="batch"/>.</summary>
        public void Read(InputBatch batch, int slot)
        {
            foreach (var read in _readers) read(batch, slot);
        }

        private static Action<InputBatch, int> FloatVectorReader(DataViewRow row, DataViewSchema.Column column, int input, int size)
        {
            var read = ColumnReaders.FloatVector(row, column, size);
            return (batch, slot) => read(batch.Floats(input).AsSpan(slot * size, size)); // densifies sparse rows
        }

        private static Action<InputBatch, int> FloatReader(DataViewRow row, DataViewSchema.Column column, int input)
        {
            var read = ColumnReaders.Float(row, column);
            return (batch, slot) => batch.Floats(input)[slot] = read();
        }

        private static Action<InputBatch, int> IntegerReader(DataViewRow row, DataViewSchema.Column column, int input)
        {
            var read = ColumnReaders.Integer(row, column);
            return (batch, slot) => batch.Integers(input)[slot] = ToInt(read(), column.Name);
        }

        private static int ToInt(long value, string column) =>
            value is >= int.MinValue and <= int.MaxValue
                ? (int)value
                : throw new InvalidOperationException($"Column '{column}' holds {value}, which does not fit in an Int32.");
    }
}
