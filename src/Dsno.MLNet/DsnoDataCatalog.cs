using Dsno.Data;
using Dsno.Runtime;

namespace Dsno.MLNet;

/// <summary>Extension methods on <c>mlContext.Data</c> that load image data sets and make noise for DSNO.</summary>
public static class DsnoDataCatalog
{
    /// <summary>
    /// The embedded 8x8 handwritten digits (UCI, E. Alpaydin and C. Kaynak, CC BY 4.0): 1,797 rows with <c>Image</c> [1, 8, 8] in [-1, 1]
    /// and <c>Label</c>, a key of 10 values (digit d has key d + 1, as ML.NET keys count from 1).
    /// </summary>
    public static IDataView LoadDigits(this DataOperationsCatalog catalog) => FromImageSet(catalog, Digits.Load());

    /// <summary>MNIST / Fashion-MNIST IDX files, gzip or raw; <paramref name="pad"/> zero-pads each side (28 + 2 * 2 = 32).</summary>
    public static IDataView LoadIdxImages(this DataOperationsCatalog catalog, string imagesPath, string? labelsPath = null, int? pad = null) =>
        FromImageSet(catalog, IdxReader.Read(imagesPath, labelsPath, pad ?? 0));

    /// <summary>PNG / JPEG / BMP files resized to <paramref name="height"/> x <paramref name="width"/>; each sub-folder is a class.</summary>
    public static IDataView LoadImageFolder(this DataOperationsCatalog catalog, string folder, int height, int width, bool grayscale) =>
        FromImageSet(catalog, ImageFolderReader.Read(folder, height, width, grayscale));

    /// <summary>
    /// <paramref name="rows"/> rows of standard normal noise [C, H, W] in a column named <paramref name="columnName"/>. Row r depends only on
    /// (seed, r). With <paramref name="classes"/>, also a uniform random <c>Label</c> key column. With <paramref name="firstRow"/>, the
    /// view holds rows [firstRow, firstRow + rows) of the noise of <paramref name="seed"/>: the tail of a view that starts at row 0.
    /// </summary>
    public static IDataView GaussianNoise(this DataOperationsCatalog catalog, int rows, int channels, int height, int width, int seed,
        string columnName = DsnoColumnNames.Noise, int? classes = null, long firstRow = 0) =>
        GaussianNoise(catalog, new GaussianNoiseOptions
        {
            Rows = rows, FirstRow = firstRow, Channels = channels, Height = height, Width = width, Seed = seed, ColumnName = columnName, Classes = classes,
        });

    /// <summary>
    /// Rows [<see cref="GaussianNoiseOptions.FirstRow"/>, <see cref="GaussianNoiseOptions.FirstRow"/> + <see cref="GaussianNoiseOptions.Rows"/>)
    /// of standard normal noise [C, H, W] (and, for <see cref="GaussianNoiseOptions.Classes"/>, a <c>Label</c> key column), drawn lazily a
    /// chunk at a time; row r depends only on (seed, r).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">No rows, a negative first row, a dimension below 1, no classes, a label outside the
    /// classes, or a guidance range without classes or not finite, &gt;= 0 and in order.</exception>
    public static IDataView GaussianNoise(this DataOperationsCatalog catalog, GaussianNoiseOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        var o = options;
        if (o.Rows < 1) throw new ArgumentOutOfRangeException(nameof(o.Rows), o.Rows, "need at least one row");
        if (o.FirstRow < 0 || o.FirstRow > long.MaxValue - o.Rows) throw new ArgumentOutOfRangeException(nameof(o.FirstRow), o.FirstRow, "the first row must be 0 or more, and the last row a long");
        if (o.Channels < 1 || o.Height < 1 || o.Width < 1) throw new ArgumentOutOfRangeException(nameof(o.Channels), "image dimensions must be positive");
        if (o.Classes is < 1) throw new ArgumentOutOfRangeException(nameof(o.Classes), o.Classes, "need at least one class");
        if (o.Label is { } l && (o.Classes is not { } k || l < 0 || l >= k)) throw new ArgumentOutOfRangeException(nameof(o.Label), o.Label, "the label must be one of the classes (0-based)");
        ArgumentException.ThrowIfNullOrEmpty(o.ColumnName, nameof(o.ColumnName));
        if (o.GuidanceRange is { } range)
        {
            CheckGuidanceRange(range.Min, range.Max);
            if (o.Classes is null)
                throw new ArgumentOutOfRangeException(nameof(o.GuidanceRange), "a guidance range needs Classes: classifier-free guidance is for class-conditional models");
            ArgumentException.ThrowIfNullOrEmpty(o.GuidanceColumnName, nameof(o.GuidanceColumnName));
        }
        // One row type; the columns a setting does not have are dropped from the definition.
        var definition = SchemaDefinition.Create(typeof(NoiseRow));
        // Type first: the indexer finds a column by its current name, which the rename changes.
        definition[nameof(NoiseRow.Noise)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, o.Channels, o.Height, o.Width);
        definition[nameof(NoiseRow.Noise)].ColumnName = o.ColumnName;
        if (o.Classes is { } classes) definition[nameof(NoiseRow.Label)].ColumnType = new KeyDataViewType(typeof(uint), classes);
        else definition.Remove(definition[nameof(NoiseRow.Label)]);
        if (o.GuidanceRange is null) definition.Remove(definition[nameof(NoiseRow.Guidance)]);
        else definition[nameof(NoiseRow.Guidance)].ColumnName = o.GuidanceColumnName;
        var rows = NoiseRows(o.FirstRow, o.Rows, o.Channels, o.Height, o.Width, o.Seed, o.Classes, o.Label, o.GuidanceRange, o.Progress, o.CancellationToken);
        return catalog.LoadFromEnumerable(rows, definition);
    }

    /// <summary>
    /// Labelled noise as <see cref="GaussianNoise(DataOperationsCatalog, int, int, int, int, int, string, int?, long)"/> with
    /// <paramref name="classes"/>, plus a Single column <paramref name="guidanceColumnName"/> of per-row classifier-free guidance
    /// scales drawn uniformly from [<paramref name="minGuidance"/>, <paramref name="maxGuidance"/>]; row i's scale depends only on
    /// (seed, i). A teacher's Transform solves each row at its own w, which makes trajectories over a range of w for a w-conditioned
    /// DSNO; a w-conditioned DSNO's Transform reads the column as each row's w.
    /// </summary>
    public static IDataView GaussianNoise(this DataOperationsCatalog catalog, int rows, int channels, int height, int width, int seed,
        int classes, float minGuidance, float maxGuidance, string columnName = DsnoColumnNames.Noise, string guidanceColumnName = DsnoColumnNames.Guidance) =>
        GaussianNoise(catalog, new GaussianNoiseOptions
        {
            Rows = rows, Channels = channels, Height = height, Width = width, Seed = seed, ColumnName = columnName, Classes = classes,
            GuidanceRange = (minGuidance, maxGuidance), GuidanceColumnName = guidanceColumnName,
        });

    /// <summary>
    /// The guidance scale of row <paramref name="row"/> of the noise of <paramref name="seed"/> drawn uniformly from
    /// [<paramref name="min"/>, <paramref name="max"/>] (the value the guidance column of <c>GaussianNoise</c> holds there): it depends
    /// only on (seed, row).
    /// </summary>
    public static float GuidanceOf(int seed, long row, float min, float max)
    {
        CheckGuidanceRange(min, max);
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        return (float)(min + Dsno.Data.GaussianNoise.GuidanceUniform(row, seed) * (max - min));
    }

    private static void CheckGuidanceRange(float min, float max)
    {
        if (!float.IsFinite(min) || !float.IsFinite(max) || min < 0 || max < min)
            throw new ArgumentOutOfRangeException(nameof(min), $"the guidance range [{min}, {max}] must be finite, >= 0 and not reversed");
    }

    /// <summary>
    /// Saves <paramref name="data"/> as an ML.NET binary (<c>.idv</c>) file, like <c>SaveAsBinary</c>, with the column blocks in a fixed
    /// order, so that the same rows, columns and annotations always give the same bytes. (<c>SaveAsBinary</c> writes blocks in the order
    /// its compression threads finish them, which changes from run to run.) <c>LoadFromBinary</c> reads the file as usual.
    /// </summary>
    /// <param name="catalog">The data catalog (<c>mlContext.Data</c>).</param>
    /// <param name="data">The rows to save; each column must be of a type the binary format holds.</param>
    /// <param name="stream">A writable, seekable stream positioned at its start.</param>
    /// <param name="keepHidden">Whether hidden columns are saved too.</param>
    public static void SaveAsDeterministicBinary(this DataOperationsCatalog catalog, IDataView data, Stream stream, bool keepHidden = false)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        DeterministicBinarySaver.Save(MlNetInternals.EnvironmentOf(catalog), data, stream, keepHidden);
    }

    /// <summary>
    /// Saves <paramref name="data"/> to the <c>.idv</c> file <paramref name="path"/> as
    /// <see cref="SaveAsDeterministicBinary(DataOperationsCatalog, IDataView, Stream, bool)"/> does, whole or not at all: the file is written
    /// under a temporary name and renamed when complete, so an interrupted or failed save leaves <paramref name="path"/> as it was. The
    /// rows are read once, through <c>ml.Data.Cache</c> (the binary saver reads its source more than once, which would run a model twice),
    /// so they are held in memory while saving. Temporary files that killed earlier saves of <paramref name="path"/> left are removed.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while the rows were read.</exception>
    public static void SaveAsDeterministicBinary(this DataOperationsCatalog catalog, IDataView data, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        AtomicFile.DeleteLeftovers(path);
        try
        {
            AtomicFile.Write(path, stream => catalog.SaveAsDeterministicBinary(catalog.Cache(data), stream));
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
        {
            // ML.NET may wrap the cancellation thrown inside a cursor.
            throw new OperationCanceledException("interrupted", e, cancellationToken);
        }
    }

    // Rows [first, first + rows), a chunk at a time; the cancellation is checked and the progress told at every row handed out.
    private static IEnumerable<NoiseRow> NoiseRows(long first, int rows, int channels, int height, int width, int seed, int? classes,
        int? label, (float Min, float Max)? guidance, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        const int chunk = 64;
        int size = channels * height * width;
        for (int start = 0; start < rows; start += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = Math.Min(chunk, rows - start);
            var values = Data.GaussianNoise.SampleArray(first + start, n, channels, height, width, seed);
            var labels = classes is { } k && label is null ? Data.GaussianNoise.Labels(first + start, n, k, seed) : null;
            for (int i = 0; i < n; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return new NoiseRow
                {
                    Noise = values.AsSpan(i * size, size).ToArray(), Label = (uint)(label ?? labels?[i] ?? 0),
                    Guidance = guidance is { } g ? GuidanceOf(seed, first + start + i, g.Min, g.Max) : 0,
                };
                progress?.Report(start + i + 1);
            }
        }
    }

    private static IDataView FromImageSet(DataOperationsCatalog catalog, ImageSet images)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var definition = SchemaDefinition.Create(typeof(ImageRow));
        definition[nameof(ImageRow.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, images.Channels, images.Height, images.Width);
        if (images.Labels is null) definition.Remove(definition[nameof(ImageRow.Label)]);
        else definition[nameof(ImageRow.Label)].ColumnType = new KeyDataViewType(typeof(uint), images.ClassCount);
        var rows = Enumerable.Range(0, images.Count).Select(i => new ImageRow { Image = images.GetImage(i), Label = (uint)(images.Labels?[i] ?? 0) }).ToList();
        return catalog.LoadFromEnumerable(rows, definition);
    }

    // Key fields of in-memory rows hold the 0-based index: ML.NET exposes it as the 1-based key (0 = missing).
    private sealed class ImageRow
    {
        public float[] Image = Array.Empty<float>();
        public uint Label;
    }

    private sealed class NoiseRow
    {
        public float[] Noise = Array.Empty<float>();
        public uint Label;
        public float Guidance;
    }
}
