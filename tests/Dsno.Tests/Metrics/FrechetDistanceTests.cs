using Dsno.Metrics;

namespace Dsno.Tests.Metrics;

public class FrechetDistanceTests
{
    [Fact]
    public void FeatureSetAgainstItself_IsZero()
    {
        var random = new Random(1);
        // A skewed, correlated, non-Gaussian set: squares and products of normals.
        var features = new double[400, 12];
        for (int i = 0; i < 400; i++)
        {
            double shared = MetricsTestData.StandardNormal(random);
            for (int j = 0; j < 12; j++)
            {
                double z = MetricsTestData.StandardNormal(random);
                features[i, j] = z * z + j * shared + 0.1 * j;
            }
        }
        var stats = FeatureStatistics.FromFeatures(features);
        double trace = Enumerable.Range(0, 12).Sum(j => stats.Covariance[j, j]);
        double fd = FrechetDistance.Compute(features, features);
        Assert.True(fd < 1e-6 * trace, $"FD of a set with itself = {fd}, trace = {trace}");
    }

    [Fact]
    public void FromFeatures_MatchesDirectMeanAndUnbiasedCovariance()
    {
        var random = new Random(2);
        var x = MetricsTestData.Isotropic(random, 50, 4, mean: 3, scale: 2);
        var stats = FeatureStatistics.FromFeatures(x);
        Assert.Equal(50, stats.Count);
        for (int a = 0; a < 4; a++)
        {
            double meanA = Enumerable.Range(0, 50).Average(i => x[i, a]);
            Assert.Equal(meanA, stats.Mean[a], 12);
            for (int b = 0; b < 4; b++)
            {
                double meanB = Enumerable.Range(0, 50).Average(i => x[i, b]);
                double cov = Enumerable.Range(0, 50).Sum(i => (x[i, a] - meanA) * (x[i, b] - meanB)) / 49;
                Assert.Equal(cov, stats.Covariance[a, b], 10);
            }
        }
    }

    [Fact]
    public void DiagonalGaussians_MatchClosedForm()
    {
        double[] muA = { 0.5, -1, 2, 0, 3 }, muB = { 0, 1, 2.5, -0.5, 3 };
        double[] varA = { 1, 4, 0.25, 2, 9 }, varB = { 2, 1, 0.25, 0.5, 1e-3 };
        double expected = 0;
        for (int i = 0; i < 5; i++)
            expected += (muA[i] - muB[i]) * (muA[i] - muB[i]) + Math.Pow(Math.Sqrt(varA[i]) - Math.Sqrt(varB[i]), 2);
        double fd = FrechetDistance.Compute(new FeatureStatistics(muA, Diagonal(varA)), new FeatureStatistics(muB, Diagonal(varB)));
        Assert.Equal(expected, fd, 9);
    }

    [Fact]
    public void NonDiagonal2x2Gaussians_MatchHandComputedSquareRoots()
    {
        double[,] ca = { { 2, 0.6 }, { 0.6, 1 } }, cb = { { 1, -0.3 }, { -0.3, 0.5 } };
        double[] muA = { 1, 2 }, muB = { -0.5, 2.5 };
        // For a 2x2 SPD matrix M: sqrt(M) = (M + s I) / t with s = sqrt(det M), t = sqrt(tr M + 2 s), so tr sqrt(M) = t.
        var sqrtA = Sqrt2x2(ca);
        var product = Multiply(Multiply(sqrtA, cb), sqrtA);
        var sqrtProduct = Sqrt2x2(product);
        // Check the hand-computed roots really square back.
        var squared = Multiply(sqrtA, sqrtA);
        for (int i = 0; i < 2; i++) for (int j = 0; j < 2; j++) Assert.Equal(ca[i, j], squared[i, j], 12);
        double expected = Math.Pow(muA[0] - muB[0], 2) + Math.Pow(muA[1] - muB[1], 2)
            + (ca[0, 0] + ca[1, 1]) + (cb[0, 0] + cb[1, 1]) - 2 * (sqrtProduct[0, 0] + sqrtProduct[1, 1]);
        double fd = FrechetDistance.Compute(new FeatureStatistics(muA, ca), new FeatureStatistics(muB, cb));
        Assert.Equal(expected, fd, 10);
        Assert.Equal(fd, FrechetDistance.Compute(new FeatureStatistics(muB, cb), new FeatureStatistics(muA, ca)), 10);
    }

    [Fact]
    public void CommutingRotatedCovariances_MatchEigenvalueFormula()
    {
        // C_a = R diag(a) R^T and C_b = R diag(b) R^T share eigenvectors, so FD = |mu|^2 + sum (sqrt a_i - sqrt b_i)^2.
        double angle = 0.7;
        double[,] rotation =
        {
            { Math.Cos(angle), -Math.Sin(angle), 0 },
            { Math.Sin(angle) * Math.Cos(0.3), Math.Cos(angle) * Math.Cos(0.3), -Math.Sin(0.3) },
            { Math.Sin(angle) * Math.Sin(0.3), Math.Cos(angle) * Math.Sin(0.3), Math.Cos(0.3) },
        };
        double[] a = { 3, 0.5, 1.2 }, b = { 0.2, 2, 1.2 };
        var ca = Multiply(Multiply(rotation, Diagonal(a)), Transpose(rotation));
        var cb = Multiply(Multiply(rotation, Diagonal(b)), Transpose(rotation));
        Symmetrise(ca);
        Symmetrise(cb);
        double[] mu = { 0.3, -0.4, 1 };
        double expected = mu.Sum(m => m * m) + Enumerable.Range(0, 3).Sum(i => Math.Pow(Math.Sqrt(a[i]) - Math.Sqrt(b[i]), 2));
        double fd = FrechetDistance.Compute(new FeatureStatistics(mu, ca), new FeatureStatistics(new double[3], cb));
        Assert.Equal(expected, fd, 9);
    }

    [Fact]
    public void LargeSamples_ApproachClosedForm()
    {
        double[,] ca = { { 2, 0.6 }, { 0.6, 1 } }, cb = { { 1, -0.3 }, { -0.3, 0.5 } };
        double[] muA = { 1, 2 }, muB = { -0.5, 2.5 };
        double exact = FrechetDistance.Compute(new FeatureStatistics(muA, ca), new FeatureStatistics(muB, cb));
        var random = new Random(3);
        var small = FrechetDistance.Compute(MetricsTestData.Gaussian(random, 100, muA, Cholesky2x2(ca)), MetricsTestData.Gaussian(random, 100, muB, Cholesky2x2(cb)));
        var large = FrechetDistance.Compute(MetricsTestData.Gaussian(random, 40000, muA, Cholesky2x2(ca)), MetricsTestData.Gaussian(random, 40000, muB, Cholesky2x2(cb)));
        Assert.True(Math.Abs(large - exact) < 0.03 * exact, $"FD from 40000 samples {large} vs exact {exact}");
        Assert.True(Math.Abs(large - exact) < Math.Abs(small - exact), $"40000 samples ({large}) not closer than 100 ({small}) to {exact}");
    }

    [Fact]
    public void RefusesBadInput()
    {
        var random = new Random(4);
        Assert.Throws<ArgumentException>(() => FrechetDistance.Compute(MetricsTestData.Isotropic(random, 10, 3), MetricsTestData.Isotropic(random, 10, 4)));
        var withNaN = MetricsTestData.Isotropic(random, 10, 3);
        withNaN[4, 1] = double.NaN;
        Assert.Throws<ArgumentException>(() => FrechetDistance.Compute(withNaN, MetricsTestData.Isotropic(random, 10, 3)));
        Assert.Throws<ArgumentException>(() => FeatureStatistics.FromFeatures(new double[1, 3]));
        Assert.Throws<ArgumentException>(() => new FeatureStatistics(new double[2], new double[,] { { 1, 0.5 }, { 0, 1 } }));
    }

    private static double[,] Diagonal(double[] values)
    {
        var m = new double[values.Length, values.Length];
        for (int i = 0; i < values.Length; i++) m[i, i] = values[i];
        return m;
    }

    private static double[,] Sqrt2x2(double[,] m)
    {
        double s = Math.Sqrt(m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]);
        double t = Math.Sqrt(m[0, 0] + m[1, 1] + 2 * s);
        return new[,] { { (m[0, 0] + s) / t, m[0, 1] / t }, { m[1, 0] / t, (m[1, 1] + s) / t } };
    }

    private static double[,] Cholesky2x2(double[,] m)
    {
        double l00 = Math.Sqrt(m[0, 0]), l10 = m[1, 0] / l00;
        return new[,] { { l00, 0 }, { l10, Math.Sqrt(m[1, 1] - l10 * l10) } };
    }

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), k = a.GetLength(1), m = b.GetLength(1);
        var c = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                for (int l = 0; l < k; l++) c[i, j] += a[i, l] * b[l, j];
        return c;
    }

    private static double[,] Transpose(double[,] a)
    {
        var t = new double[a.GetLength(1), a.GetLength(0)];
        for (int i = 0; i < a.GetLength(0); i++) for (int j = 0; j < a.GetLength(1); j++) t[j, i] = a[i, j];
        return t;
    }

    private static void Symmetrise(double[,] a)
    {
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < i; j++) a[i, j] = a[j, i] = 0.5 * (a[i, j] + a[j, i]);
    }
}
