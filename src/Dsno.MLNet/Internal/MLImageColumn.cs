using Microsoft.ML.Transforms.Image;

namespace Dsno.MLNet.Internal;

/// <summary>
/// Appends a column of ML.NET's image type (<see cref="ImageDataViewType"/>, values <see cref="MLImage"/>) rendered from a float
/// image column [C, H, W] in [-1, 1], to a data view, a schema or a row-to-row mapper.
/// </summary>
/// <remarks>
/// <para>Pixels are <see cref="DsnoImages.ToByte"/> of each value: (v + 1) * 127.5 rounded to the nearest integer (ties to even, so
/// 0 gives 128), clamped to 0..255, NaN drawn as 0. One channel is repeated into red, green and blue; alpha is always 255.
/// ML.NET's own <c>ConvertToImage</c> neither clamps nor keeps the image opaque, hence this column.</para>
/// <para>The column is computed only when it is read: a cursor or row that does not ask for it does not even request the source
/// column. Each read creates a new <see cref="MLImage"/>, owned (and disposed) by the caller; the previous value is left alone.</para>
/// <para>The new column is added after all existing ones, so an existing column of the same name becomes hidden.</para>
/// </remarks>
internal static class MLImageColumn
{
    /// <summary>Which float column to draw (<paramref name="ImageColumn"/>, [C, H, W] values) and the name of the image column to add.</summary>
    internal sealed record Request(string ImageColumn, string OutputColumn, int Channels, int Height, int Width);

    /// <summary>The schema with the image column appended, or <paramref name="schema"/> itself when <paramref name="request"/> is null.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The source column is missing or is not a float vector of C*H*W values.</exception>
    public static DataViewSchema Schema(DataViewSchema schema, Request? request)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return request is null ? schema : new Binding(schema, request).OutputSchema;
    }

    /// <summary>A lazy view of <paramref name="view"/> with the image column appended, or <paramref name="view"/> when <paramref name="request"/> is null.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The source column is missing or is not a float vector of C*H*W values.</exception>
    public static IDataView Append(IDataView view, Request? request)
    {
        ArgumentNullException.ThrowIfNull(view);
        return request is null ? view : new ImageDataView(view, new Binding(view.Schema, request));
    }

    /// <summary>
    /// A mapper whose output is <paramref name="mapper"/>'s with the image column appended (what <c>PredictionEngine</c> uses), or
    /// <paramref name="mapper"/> when <paramref name="request"/> is null.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The source column is missing or is not a float vector of C*H*W values.</exception>
    public static IRowToRowMapper Mapper(IRowToRowMapper mapper, Request? request)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        return request is null ? mapper : new ImageRowMapper(mapper, new Binding(mapper.OutputSchema, request));
    }

    /// <summary>A request checked against one input schema: the source column, the output schema and the pixel rendering.</summary>
    private sealed class Binding
    {
        private readonly Request _request;

        public Binding(DataViewSchema inputSchema, Request request)
        {
            ArgumentNullException.ThrowIfNull(request);
            if (string.IsNullOrEmpty(request.ImageColumn) || string.IsNullOrEmpty(request.OutputColumn))
                throw new ArgumentOutOfRangeException(nameof(request), "The image column and the MLImage column need names.");
            if (request.Channels is not (1 or 3))
                throw new ArgumentOutOfRangeException(nameof(request),
                    $"Column '{request.ImageColumn}' can be drawn as an MLImage only with 1 or 3 channels; {request.Channels} were given.");
            if (request.Height < 1 || request.Width < 1)
                throw new ArgumentOutOfRangeException(nameof(request),
                    $"Column '{request.ImageColumn}' needs a positive image size to be drawn; {request.Height}x{request.Width} was given.");
            _request = request;
            InputSchema = inputSchema;
            Source = SchemaChecks.RequireFloatVector(inputSchema, request.ImageColumn,
                new[] { request.Channels, request.Height, request.Width }, "schema");

            // Same columns at the same indices (hidden ones and annotations kept), then the image: a same-named column becomes hidden.
            var builder = new DataViewSchema.Builder();
            builder.AddColumns(inputSchema);
            builder.AddColumn(request.OutputColumn, new ImageDataViewType(request.Height, request.Width));
            OutputSchema = builder.ToSchema();
        }

        public DataViewSchema InputSchema { get; }

        public DataViewSchema OutputSchema { get; }

        /// <summary>The float image column in <see cref="InputSchema"/>.</summary>
        public DataViewSchema.Column Source { get; }

        /// <summary>Whether <paramref name="column"/> (of <see cref="OutputSchema"/>) is the appended image column.</summary>
        public bool IsImage(DataViewSchema.Column column) => CheckIndex(column) == InputSchema.Count;

        /// <summary>The input column a passed-through output column stands for.</summary>
        public DataViewSchema.Column InputColumn(DataViewSchema.Column column) => InputSchema[CheckIndex(column)];

        /// <summary>The input columns that produce <paramref name="outputColumns"/>: themselves, and the source for the image.</summary>
        public List<DataViewSchema.Column> InputColumnsFor(IEnumerable<DataViewSchema.Column> outputColumns, out bool imageNeeded)
        {
            ArgumentNullException.ThrowIfNull(outputColumns);
            var columns = outputColumns.ToList();
            imageNeeded = columns.Any(IsImage);
            return columns.Select(c => IsImage(c) ? Source : InputSchema[c.Index]).DistinctBy(c => c.Index).OrderBy(c => c.Index).ToList();
        }

        /// <summary>A getter of the image column on <paramref name="input"/>, which must have <see cref="Source"/> active.</summary>
        public ValueGetter<TValue> ImageGetter<TValue>(DataViewRow input)
        {
            if (typeof(TValue) != typeof(MLImage))
                throw new InvalidOperationException(
                    $"Column '{_request.OutputColumn}' holds {nameof(MLImage)} values; a getter of {typeof(TValue).Name} was asked for.");
            var source = input.GetGetter<VBuffer<float>>(Source);
            int channels = _request.Channels, height = _request.Height, width = _request.Width, plane = height * width;
            var values = new float[channels * plane];
            var pixels = new byte[plane * 4];
            VBuffer<float> buffer = default;
            ValueGetter<MLImage> getter = (ref MLImage value) =>
            {
                source(ref buffer);
                if (buffer.Length != values.Length)
                    throw new InvalidOperationException(
                        $"Column '{Source.Name}' gave {buffer.Length} values; {channels}x{height}x{width} = {values.Length} were expected.");
                buffer.CopyTo(values);
                for (int p = 0; p < plane; p++)
                {
                    int o = 4 * p;
                    byte r = DsnoImages.ToByte(values[p]);
                    pixels[o] = r;
                    pixels[o + 1] = channels == 1 ? r : DsnoImages.ToByte(values[plane + p]);
                    pixels[o + 2] = channels == 1 ? r : DsnoImages.ToByte(values[2 * plane + p]);
                    pixels[o + 3] = 255;
                }
                // CreateFromPixels copies, so the buffer can be reused for the next row.
                value = MLImage.CreateFromPixels(width, height, MLPixelFormat.Rgba32, pixels);
            };
            return (ValueGetter<TValue>)(Delegate)getter;
        }

        private int CheckIndex(DataViewSchema.Column column)
        {
            if (column.Index < 0 || column.Index > InputSchema.Count || OutputSchema[column.Index].Name != column.Name)
                throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' (index {column.Index}) is not a column of this schema.");
            return column.Index;
        }
    }

    /// <summary>The lazy view returned by <see cref="Append"/>.</summary>
    private sealed class ImageDataView(IDataView input, Binding binding) : RowwiseDataView(input)
    {
        public override DataViewSchema Schema => binding.OutputSchema;

        public override DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            var inputColumns = binding.InputColumnsFor(columnsNeeded, out bool image);
            return new Cursor(binding, Input.GetRowCursor(inputColumns, rand), image);
        }

        public override DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        {
            var inputColumns = binding.InputColumnsFor(columnsNeeded, out bool image);
            return Input.GetRowCursorSet(inputColumns, n, rand).Select(c => (DataViewRowCursor)new Cursor(binding, c, image)).ToArray();
        }
    }

    /// <summary>A cursor of <see cref="ImageDataView"/>: the input cursor moves, a <see cref="Row"/> over it serves the columns.</summary>
    private sealed class Cursor(Binding binding, DataViewRowCursor input, bool imageActive) : DataViewRowCursor
    {
        private readonly Row _row = new(binding, input, imageActive);

        public override DataViewSchema Schema => _row.Schema;

        public override long Position => input.Position;

        public override long Batch => input.Batch;

        public override bool MoveNext() => input.MoveNext();

        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _row.IsColumnActive(column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _row.GetGetter<TValue>(column);

        protected override void Dispose(bool disposing)
        {
            if (disposing) _row.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>The mapper returned by <see cref="Mapper"/>.</summary>
    private sealed class ImageRowMapper(IRowToRowMapper inner, Binding binding) : IRowToRowMapper
    {
        public DataViewSchema InputSchema => inner.InputSchema;

        public DataViewSchema OutputSchema => binding.OutputSchema;

        public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
            inner.GetDependencies(binding.InputColumnsFor(dependingColumns, out _));

        public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
        {
            var innerColumns = binding.InputColumnsFor(activeColumns, out bool image);
            return new Row(binding, inner.GetRow(input, innerColumns), image);
        }
    }

    /// <summary>A row of <see cref="ImageRowMapper"/>: the inner mapper's row, with the image getter on top.</summary>
    private sealed class Row(Binding binding, DataViewRow input, bool imageActive) : DataViewRow
    {
        public override DataViewSchema Schema => binding.OutputSchema;

        public override long Position => input.Position;

        public override long Batch => input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            binding.IsImage(column) ? imageActive : input.IsColumnActive(binding.InputColumn(column));

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!binding.IsImage(column)) return input.GetGetter<TValue>(binding.InputColumn(column));
            if (!imageActive) throw new InvalidOperationException($"Column '{column.Name}' was not requested when this row or cursor was created.");
            return binding.ImageGetter<TValue>(input);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) input.Dispose();
            base.Dispose(disposing);
        }
    }
}
