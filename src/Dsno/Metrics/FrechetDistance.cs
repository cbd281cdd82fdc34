using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace Dsno.Metrics;

/// <summary>
/// The Frechet (2-Wasserstein) distance between the Gaussians fitted to two feature sets (Heusel et al. 2017, there on Inception
/// features; here on whatever extractor produced the features, so call it FD):
/// d^2 = ||mu_a - mu_b||^2 + tr(C_a + C_b - 2 (C_a^{1/2} C_b C_a^{1/2})^{1/2}).
/// </summary>
/// <remarks>
/// The trace of the matrix square root is taken from the symmetric form C_a^{1/2} C_b C_a^{1/2} with two symmetric eigen-decompositions
/// (MathNet.Numerics), clamping the small negative eigenvalues that rounding leaves on singular covariances to 0; this avoids the
/// non-symmetric square root of C_a C_b and its complex parts.
/// </remarks>
public static class FrechetDistance
{
    /// <summary>The squared Frechet distance between two sets of statistics of the same dimension (never negative).</summary>
    /// <exception cref="ArgumentException">The dimensions differ.</exception>
    public static double Compute(FeatureStatistics a, FeatureStatistics b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Dimension != b.Dimension) throw new ArgumentException($"feature dimensions differ: {a.Dimension} and {b.Dimension}", nameof(b));
        var meanDifference = a.MeanVector - b.MeanVector;
        var sqrtA = SymmetricSquareRoot(a.CovarianceMatrix);
        var middle = sqrtA * b.CovarianceMatrix * sqrtA;
        middle = (middle + middle.Transpose()) * 0.5;
        double traceSqrt = ClampedEigenvalues(middle).Sum(Math.Sqrt);
        double distance = meanDifference.DotProduct(meanDifference) + a.CovarianceMatrix.Trace() + b.CovarianceMatrix.Trace() - 2 * traceSqrt;
        return Math.Max(0, distance);
    }

    /// <summary>The squared Frechet distance between the Gaussians fitted to two feature sets [n_a, d] and [n_b, d].</summary>
    public static double Compute(double[,] a, double[,] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.GetLength(1) != b.GetLength(1)) throw new ArgumentException($"feature dimensions differ: {a.GetLength(1)} and {b.GetLength(1)}", nameof(b));
        return Compute(FeatureStatistics.FromFeatures(a), FeatureStatistics.FromFeatures(b));
    }

    /// <summary>The symmetric positive semi-definite square root V diag(sqrt(max(lambda, 0))) V^T of a symmetric matrix.</summary>
    internal static Matrix<double> SymmetricSquareRoot(Matrix<double> symmetric)
    {
        var evd = symmetric.Evd(Symmetricity.Symmetric);
        var roots = Vector<double>.Build.DenseOfEnumerable(evd.EigenValues.Select(l => Math.Sqrt(Math.Max(0, l.Real))));
        var v = evd.EigenVectors;
        return v * Matrix<double>.Build.DiagonalOfDiagonalVector(roots) * v.Transpose();
    }

    private static IEnumerable<double> ClampedEigenvalues(Matrix<double> symmetric) =>
        symmetric.Evd(Symmetricity.Symmetric).EigenValues.Select(l => Math.Max(0, l.Real));
}
