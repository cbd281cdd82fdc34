using Microsoft.ML.Transforms.Image;

namespace Dsno.MLNet.Internal;

/// <summary>
/// Appends a column of ML.NET's image type (<see cref="ImageDataViewType"/>, values <see cref="MLImage"/>) rendered from a float
/// image column [C, H, W] in [-1, 1], to a data view, a schema or a row-to-row mapper: a <see cref="BatchedMapping"/> of one row a
/// batch whose one output is an image column (<see cref="BatchOutputColumn.Image"/>).
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
        return request is null ? schema : MappingFor(request).GetOutputSchema(schema);
    }

    /// <summary>A lazy view of <paramref name="view"/> with the image column appended, or <paramref name="view"/> when <paramref name="request"/> is null.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The source column is missing or is not a float vector of C*H*W values.</exception>
    public static IDataView Append(IDataView view, Request? request)
    {
        ArgumentNullException.ThrowIfNull(view);
        return request is null ? view : MappingFor(request).Transform(view);
    }

    /// <summary>
    /// A mapper whose output is <paramref name="mapper"/>'s with the image column appended (what <c>PredictionEngine</c> uses), or
    /// <paramref name="mapper"/> when <paramref name="request"/> is null.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The source column is missing or is not a float vector of C*H*W values.</exception>
    public static IRowToRowMapper Mapper(IRowToRowMapper mapper, Request? request)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        return request is null ? mapper : new ChainedMapper(mapper, MappingFor(request).GetRowToRowMapper(mapper.OutputSchema));
    }

    /// <summary>Draws C*H*W values (C = 1 or 3, planes in [-1, 1]) as an opaque RGBA image.</summary>
    internal static MLImage Draw(ReadOnlySpan<float> values, int channels, int height, int width)
    {
        int plane = height * width;
        var pixels = new byte[plane * 4];
        for (int p = 0; p < plane; p++)
        {
            int o = 4 * p;
            byte r = DsnoImages.ToByte(values[p]);
            pixels[o] = r;
            pixels[o + 1] = channels == 1 ? r : DsnoImages.ToByte(values[plane + p]);
            pixels[o + 2] = channels == 1 ? r : DsnoImages.ToByte(values[2 * plane + p]);
            pixels[o + 3] = 255;
        }
        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Rgba32, pixels);
    }

    /// <summary>The mapping that copies each row's [C, H, W] values into the image output, which draws them when read.</summary>
    private static BatchedMapping MappingFor(Request request)
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
        var (c, h, w) = (request.Channels, request.Height, request.Width);
        return new BatchedMapping(new[] { BatchInputColumn.FloatVector(request.ImageColumn, c, h, w) },
            new[] { BatchOutputColumn.Image(request.OutputColumn, c, h, w) }, batchSize: 1,
            (input, output) => input.Floats(0).CopyTo(output.GetOrNull(0)!, 0));
    }

    /// <summary><paramref name="inner"/> followed by <paramref name="image"/> (bound to its output schema), as one mapper.</summary>
    private sealed class ChainedMapper(IRowToRowMapper inner, IRowToRowMapper image) : IRowToRowMapper
    {
        public DataViewSchema InputSchema => inner.InputSchema;

        public DataViewSchema OutputSchema => image.OutputSchema;

        public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
            inner.GetDependencies(image.GetDependencies(dependingColumns));

        public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
        {
            var columns = activeColumns.ToList();
            var innerRow = inner.GetRow(input, image.GetDependencies(columns));
            return new OwningRow(image.GetRow(innerRow, columns), innerRow);
        }
    }

    /// <summary>The image mapper's row, which also disposes the inner mapper's row beneath it.</summary>
    private sealed class OwningRow(DataViewRow row, DataViewRow owned) : DataViewRow
    {
        public override DataViewSchema Schema => row.Schema;

        public override long Position => row.Position;

        public override long Batch => row.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => row.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => row.IsColumnActive(column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => row.GetGetter<TValue>(column);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                row.Dispose();
                owned.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
