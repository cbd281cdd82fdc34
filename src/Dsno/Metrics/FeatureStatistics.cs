using MathNet.Numerics.LinearAlgebra;

namespace Dsno.Metrics;

/// <summary>
/// The Gaussian summary of a feature set used by the Frechet distance: the mean vector and the unbiased (n - 1) covariance matrix.
/// Immutable; the accessors return copies.
/// </summary>
public sealed class FeatureStatistics
{
    /// <summary>Creates statistics from a known mean and covariance (for example the exact parameters of a Gaussian).</summary>
    /// <param name="mean">Mean vector, length d.</param>
    /// <param name="covariance">Symmetric positive semi-definite d x d matrix.</param>
    /// <param name="count">Samples behind the estimate; 0 when the statistics are exact.</param>
    /// <exception cref="ArgumentException">Sizes disagree, a value is not finite, or the covariance is not symmetric.</exception>
    public FeatureStatistics(double[] mean, double[,] covariance, int count = 0)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(covariance);
        int d = mean.Length;
        if (d == 0) throw new ArgumentException("mean is empty", nameof(mean));
        if (covariance.GetLength(0) != d || covariance.GetLength(1) != d)
            throw new ArgumentException($"covariance must be {d}x{d} to match the mean, got {covariance.GetLength(0)}x{covariance.GetLength(1)}", nameof(covariance));
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "must not be negative");
        if (mean.Any(v => !double.IsFinite(v))) throw new ArgumentException("mean contains NaN or infinite values", nameof(mean));
        var c = Matrix<double>.Build.DenseOfArray(covariance);
        if (c.Enumerate().Any(v => !double.IsFinite(v))) throw new ArgumentException("covariance contains NaN or infinite values", nameof(covariance));
        double scale = Math.Max(c.Enumerate().Max(Math.Abs), double.Epsilon);
        if ((c - c.Transpose()).Enumerate().Max(Math.Abs) > 1e-9 * scale) throw new ArgumentException("covariance is not symmetric", nameof(covariance));
        MeanVector = Vector<double>.Build.DenseOfArray((double[])mean.Clone());
        CovarianceMatrix = (c + c.Transpose()) * 0.5;
        Count = count;
    }

    private FeatureStatistics(Vector<double> mean, Matrix<double> covariance, int count)
    {
        MeanVector = mean;
        CovarianceMatrix = covariance;
        Count = count;
    }

    /// <summary>Estimates the statistics of <paramref name="features"/> [n, d] (rows are samples), n at least 2.</summary>
    /// <exception cref="ArgumentException">Fewer than 2 rows, no columns, or a value that is NaN or infinite.</exception>
    public static FeatureStatistics FromFeatures(double[,] features)
    {
        ArgumentNullException.ThrowIfNull(features);
        int n = features.GetLength(0), d = features.GetLength(1);
        if (n < 2) throw new ArgumentException($"need at least 2 feature vectors for a covariance, got {n}", nameof(features));
        if (d < 1) throw new ArgumentException("feature vectors are empty", nameof(features));
        var x = Matrix<double>.Build.DenseOfArray(features);
        if (x.Enumerate().Any(v => !double.IsFinite(v))) throw new ArgumentException("features contain NaN or infinite values", nameof(features));
        var mean = x.ColumnSums() / n;
        var centred = x - Matrix<double>.Build.Dense(n, d, (_, j) => mean[j]);
        var covariance = centred.TransposeThisAndMultiply(centred) / (n - 1);
        covariance = (covariance + covariance.Transpose()) * 0.5;
        return new FeatureStatistics(mean, covariance, n);
    }

    /// <summary>Feature dimension d.</summary>
    public int Dimension => MeanVector.Count;

    /// <summary>Samples the statistics were estimated from (0 for exact statistics).</summary>
    public int Count { get; }

    /// <summary>A copy of the mean vector.</summary>
    public double[] Mean => MeanVector.ToArray();

    /// <summary>A copy of the covariance matrix.</summary>
    public double[,] Covariance => CovarianceMatrix.ToArray();

    internal Vector<double> MeanVector { get; }

    internal Matrix<double> CovarianceMatrix { get; }
}
