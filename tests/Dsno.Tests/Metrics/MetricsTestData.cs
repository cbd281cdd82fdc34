using Dsno.Data;
using Dsno.Metrics;

namespace Dsno.Tests.Metrics;

/// <summary>Random feature sets for the metric tests, drawn with System.Random (independent of torch), and the shared digits classifier.</summary>
internal static class MetricsTestData
{
    /// <summary>Standard normal draws by Box-Muller.</summary>
    public static double StandardNormal(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>n samples of N(mean, L L^T) for a lower-triangular <paramref name="cholesky"/> L.</summary>
    public static double[,] Gaussian(Random random, int n, double[] mean, double[,] cholesky)
    {
        int d = mean.Length;
        var result = new double[n, d];
        var z = new double[d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) z[j] = StandardNormal(random);
            for (int r = 0; r < d; r++)
            {
                double sum = mean[r];
                for (int c = 0; c <= r; c++) sum += cholesky[r, c] * z[c];
                result[i, r] = sum;
            }
        }
        return result;
    }

    /// <summary>n samples of N(mean * 1, scale^2 I) in d dimensions.</summary>
    public static double[,] Isotropic(Random random, int n, int d, double mean = 0, double scale = 1)
    {
        var result = new double[n, d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) result[i, j] = mean + scale * StandardNormal(random);
        return result;
    }

    /// <summary>Rows [start, start + count) of a feature array.</summary>
    public static double[,] Rows(double[,] features, int start, int count)
    {
        int d = features.GetLength(1);
        var result = new double[count, d];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < d; j++) result[i, j] = features[start + i, j];
        return result;
    }

    /// <summary>Settings that train the digits classifier in a few seconds on one thread.</summary>
    public static ClassifierOptions FastOptions => new() { Epochs = 8, Threads = 1, Seed = 7 };

    private static readonly Lazy<(ImageSet Train, ImageSet Test)> DigitSplits = new(() => Digits.Load().Split(0.2, seed: 5));

    /// <summary>The digits, split 80% train / 20% test.</summary>
    public static (ImageSet Train, ImageSet Test) DigitsSplit => DigitSplits.Value;

    /// <summary>Cache folder of the shared classifier (per test run).</summary>
    public static readonly string CacheDirectory = Path.Combine(TempFolder.Root, "metrics-" + Guid.NewGuid().ToString("N"));

    private static readonly Lazy<FeatureClassifier> SharedClassifier = new(() =>
    {
        var (train, test) = DigitsSplit;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var classifier = FeatureClassifier.TrainOrLoad(train, test, CacheDirectory, FastOptions);
        TrainingSeconds = watch.Elapsed.TotalSeconds;
        return classifier;
    });

    /// <summary>Seconds the shared classifier took to train.</summary>
    public static double TrainingSeconds { get; private set; }

    /// <summary>One digits classifier per test process, trained on the 80% split and cached in <see cref="CacheDirectory"/>; tests only read it.</summary>
    public static FeatureClassifier Classifier => SharedClassifier.Value;
}
