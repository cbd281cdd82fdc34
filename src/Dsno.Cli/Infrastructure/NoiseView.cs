using CoreNoise = Dsno.Data.GaussianNoise;

namespace Dsno.Cli.Infrastructure;

/// <summary>
/// The rows [first, first + count) of <c>ml.Data.GaussianNoise</c>: row i holds the noise (and, for a class-conditional model, the label)
/// drawn for (seed, i) only, so any range of rows can be made on its own (a shard of trajectories, a machine's seed range). Rows are
/// drawn lazily, a chunk at a time, checking for cancellation and reporting each row handed out.
/// </summary>
public static class NoiseView
{
    private const int Chunk = 64;

    /// <summary>Creates the view.</summary>
    /// <param name="ml">The context.</param>
    /// <param name="first">Index of the first row.</param>
    /// <param name="count">Rows.</param>
    /// <param name="channels">Image channels.</param>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <param name="seed">Noise seed.</param>
    /// <param name="classes">Classes of a conditional model (adds a <c>Label</c> key column), or null.</param>
    /// <param name="fixedLabel">A label (0-based) for every row instead of the drawn ones, or null.</param>
    /// <param name="onRow">Called with the number of rows handed out so far.</param>
    /// <param name="cancellationToken">Stops the enumeration with <see cref="OperationCanceledException"/>.</param>
    public static IDataView Create(MLContext ml, long first, int count, int channels, int height, int width, int seed, int? classes = null,
        int? fixedLabel = null, Action<long>? onRow = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (fixedLabel is { } l && (classes is not { } k || l < 0 || l >= k)) throw new ArgumentOutOfRangeException(nameof(fixedLabel), fixedLabel, "label outside the classes");
        var noiseType = new VectorDataViewType(NumberDataViewType.Single, channels, height, width);
        var rows = Rows(first, count, channels, height, width, seed, classes, fixedLabel, onRow, cancellationToken);
        if (classes is not { } n)
        {
            var plain = SchemaDefinition.Create(typeof(NoiseRow));
            plain[nameof(NoiseRow.Noise)].ColumnType = noiseType;
            return ml.Data.LoadFromEnumerable(rows.Select(r => new NoiseRow { Noise = r.Noise }), plain);
        }
        var labelled = SchemaDefinition.Create(typeof(LabelledNoiseRow));
        labelled[nameof(LabelledNoiseRow.Noise)].ColumnType = noiseType;
        // As in DsnoDataCatalog: the in-memory field holds the 0-based class, which ML.NET exposes as the 1-based key.
        labelled[nameof(LabelledNoiseRow.Label)].ColumnType = new KeyDataViewType(typeof(uint), n);
        return ml.Data.LoadFromEnumerable(rows, labelled);
    }

    private static IEnumerable<LabelledNoiseRow> Rows(long first, int count, int channels, int height, int width, int seed, int? classes,
        int? fixedLabel, Action<long>? onRow, CancellationToken cancellationToken)
    {
        int size = channels * height * width;
        for (int start = 0; start < count; start += Chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = Math.Min(Chunk, count - start);
            var values = CoreNoise.SampleArray(first + start, n, channels, height, width, seed);
            var labels = classes is { } k && fixedLabel is null ? CoreNoise.Labels(first + start, n, k, seed) : null;
            for (int i = 0; i < n; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return new LabelledNoiseRow
                {
                    Noise = values.AsSpan(i * size, size).ToArray(),
                    Label = (uint)(fixedLabel ?? labels?[i] ?? 0),
                };
                onRow?.Invoke(start + i + 1);
            }
        }
    }

    private sealed class NoiseRow
    {
        public float[] Noise = Array.Empty<float>();
    }

    private sealed class LabelledNoiseRow
    {
        public float[] Noise = Array.Empty<float>();
        public uint Label;
    }
}
