using Dsno.Data;

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
    /// (seed, r). With <paramref name="classes"/>, also a uniform random <c>Label</c> key column.
    /// </summary>
    public static IDataView GaussianNoise(this DataOperationsCatalog catalog, int rows, int channels, int height, int width, int seed,
        string columnName = DsnoColumnNames.Noise, int? classes = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "need at least one row");
        if (channels < 1 || height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(channels), "image dimensions must be positive");
        if (classes is < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "need at least one class");
        var noiseType = new VectorDataViewType(NumberDataViewType.Single, channels, height, width);
        var all = NoiseRows(rows, channels, height, width, seed, classes);
        if (classes is not { } k)
        {
            var plain = SchemaDefinition.Create(typeof(NoiseRow));
            // Type first: the indexer finds a column by its current name, which the rename changes.
            plain[nameof(NoiseRow.Noise)].ColumnType = noiseType;
            plain[nameof(NoiseRow.Noise)].ColumnName = columnName;
            return catalog.LoadFromEnumerable(all.Select(r => new NoiseRow { Noise = r.Noise }), plain);
        }
        var definition = SchemaDefinition.Create(typeof(LabelledNoiseRow));
        definition[nameof(LabelledNoiseRow.Noise)].ColumnType = noiseType;
        definition[nameof(LabelledNoiseRow.Noise)].ColumnName = columnName;
        definition[nameof(LabelledNoiseRow.Label)].ColumnType = new KeyDataViewType(typeof(uint), k);
        return catalog.LoadFromEnumerable(all, definition);
    }

    /// <summary>
    /// Labelled noise as <see cref="GaussianNoise(DataOperationsCatalog, int, int, int, int, int, string, int?)"/> with
    /// <paramref name="classes"/>, plus a Single column <paramref name="guidanceColumnName"/> of per-row classifier-free guidance
    /// scales drawn uniformly from [<paramref name="minGuidance"/>, <paramref name="maxGuidance"/>]; row i's scale depends only on
    /// (seed, i). A teacher's Transform solves each row at its own w, which makes trajectories over a range of w for a w-conditioned
    /// DSNO; a w-conditioned DSNO's Transform reads the column as each row's w.
    /// </summary>
    public static IDataView GaussianNoise(this DataOperationsCatalog catalog, int rows, int channels, int height, int width, int seed,
        int classes, float minGuidance, float maxGuidance, string columnName = DsnoColumnNames.Noise, string guidanceColumnName = DsnoColumnNames.Guidance)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (!float.IsFinite(minGuidance) || !float.IsFinite(maxGuidance) || minGuidance < 0 || maxGuidance < minGuidance)
            throw new ArgumentOutOfRangeException(nameof(minGuidance), $"the guidance range [{minGuidance}, {maxGuidance}] must be finite, >= 0 and not reversed");
        ArgumentException.ThrowIfNullOrEmpty(guidanceColumnName);
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "need at least one row");
        if (channels < 1 || height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(channels), "image dimensions must be positive");
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "need at least one class");
        var definition = SchemaDefinition.Create(typeof(GuidedNoiseRow));
        definition[nameof(GuidedNoiseRow.Noise)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, channels, height, width);
        definition[nameof(GuidedNoiseRow.Noise)].ColumnName = columnName;
        definition[nameof(GuidedNoiseRow.Label)].ColumnType = new KeyDataViewType(typeof(uint), classes);
        definition[nameof(GuidedNoiseRow.Guidance)].ColumnName = guidanceColumnName;
        var all = NoiseRows(rows, channels, height, width, seed, classes).Select((r, i) =>
        {
            double u = (Dsno.Runtime.SeedMix.Mix(seed, i, stream: 29) >> 11) * (1.0 / (1UL << 53));
            return new GuidedNoiseRow { Noise = r.Noise, Label = r.Label, Guidance = (float)(minGuidance + u * (maxGuidance - minGuidance)) };
        });
        return catalog.LoadFromEnumerable(all, definition);
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

    private static IEnumerable<LabelledNoiseRow> NoiseRows(int rows, int channels, int height, int width, int seed, int? classes)
    {
        const int chunk = 256;
        int size = channels * height * width;
        for (int start = 0; start < rows; start += chunk)
        {
            int n = Math.Min(chunk, rows - start);
            var values = Data.GaussianNoise.SampleArray(start, n, channels, height, width, seed);
            var labels = classes is { } k ? Data.GaussianNoise.Labels(start, n, k, seed) : null;
            for (int i = 0; i < n; i++)
                yield return new LabelledNoiseRow { Noise = values.AsSpan(i * size, size).ToArray(), Label = labels is null ? 0u : (uint)labels[i] };
        }
    }

    private static IDataView FromImageSet(DataOperationsCatalog catalog, ImageSet images)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var definition = SchemaDefinition.Create(typeof(ImageRow));
        definition[nameof(ImageRow.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, images.Channels, images.Height, images.Width);
        if (images.Labels is null)
        {
            var unlabelled = Enumerable.Range(0, images.Count).Select(i => new UnlabelledImageRow { Image = images.GetImage(i) });
            var plain = SchemaDefinition.Create(typeof(UnlabelledImageRow));
            plain[nameof(UnlabelledImageRow.Image)].ColumnType = definition[nameof(ImageRow.Image)].ColumnType;
            return catalog.LoadFromEnumerable(unlabelled.ToList(), plain);
        }
        definition[nameof(ImageRow.Label)].ColumnType = new KeyDataViewType(typeof(uint), images.ClassCount);
        var rows = Enumerable.Range(0, images.Count).Select(i => new ImageRow { Image = images.GetImage(i), Label = (uint)images.Labels[i] }).ToList();
        return catalog.LoadFromEnumerable(rows, definition);
    }

    // Key fields of in-memory rows hold the 0-based index: ML.NET exposes it as the 1-based key (0 = missing).
    private sealed class ImageRow
    {
        public float[] Image = Array.Empty<float>();
        public uint Label;
    }

    private sealed class UnlabelledImageRow
    {
        public float[] Image = Array.Empty<float>();
    }

    private sealed class NoiseRow
    {
        public float[] Noise = Array.Empty<float>();
    }

    private sealed class GuidedNoiseRow
    {
        public float[] Noise = Array.Empty<float>();
        public uint Label;
        public float Guidance;
    }

    private sealed class LabelledNoiseRow
    {
        public float[] Noise = Array.Empty<float>();
        public uint Label;
    }
}
