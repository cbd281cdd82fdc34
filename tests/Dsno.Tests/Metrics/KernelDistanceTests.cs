using Dsno.Metrics;

namespace Dsno.Tests.Metrics;

public class KernelDistanceTests
{
    [Fact]
    public void SingleFullSubset_MatchesUnbiasedMmdByLoops()
    {
        var random = new Random(10);
        var a = MetricsTestData.Isotropic(random, 40, 5);
        var b = MetricsTestData.Isotropic(random, 40, 5, mean: 0.4, scale: 1.3);
        // With one subset holding every sample the estimate no longer depends on the draw.
        var kid = KernelDistance.Compute(a, b, subsets: 1, subsetSize: 40);
        Assert.Equal(40, kid.SubsetSize);
        Assert.Equal(0, kid.StandardDeviation);
        Assert.Equal(UnbiasedMmd2(a, b), kid.Mean, 10);
    }

    [Fact]
    public void TwoHalvesOfOneSample_AreNearZero_AndShiftGrowsIt()
    {
        var random = new Random(11);
        var sample = MetricsTestData.Isotropic(random, 2000, 16);
        var first = MetricsTestData.Rows(sample, 0, 1000);
        var second = MetricsTestData.Rows(sample, 1000, 1000);
        var same = KernelDistance.Compute(first, second, subsets: 10, subsetSize: 500, seed: 1);
        Assert.True(Math.Abs(same.Mean) < 3 * same.StandardDeviation + 1e-3, $"KID of two halves {same.Mean} +- {same.StandardDeviation}");

        double previous = same.Mean;
        foreach (double shift in new[] { 0.2, 0.5, 1.0 })
        {
            var shifted = MetricsTestData.Isotropic(new Random(12), 1000, 16, mean: shift);
            var kid = KernelDistance.Compute(first, shifted, subsets: 10, subsetSize: 500, seed: 1);
            Assert.True(kid.Mean > previous, $"KID at shift {shift} = {kid.Mean} not above {previous}");
            Assert.True(kid.Mean > 3 * kid.StandardDeviation, $"KID at shift {shift} = {kid.Mean} +- {kid.StandardDeviation} not clearly positive");
            previous = kid.Mean;
        }
    }

    [Fact]
    public void SubsetSize_IsCappedBySetSizes_AndSeedRepeats()
    {
        var random = new Random(13);
        var a = MetricsTestData.Isotropic(random, 30, 3);
        var b = MetricsTestData.Isotropic(random, 50, 3);
        var first = KernelDistance.Compute(a, b, subsets: 4, subsetSize: 1000, seed: 9);
        var again = KernelDistance.Compute(a, b, subsets: 4, subsetSize: 1000, seed: 9);
        Assert.Equal(30, first.SubsetSize);
        Assert.Equal(first, again);
        Assert.Throws<ArgumentException>(() => KernelDistance.Compute(a, MetricsTestData.Isotropic(random, 10, 4)));
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelDistance.Compute(a, b, subsets: 0));
    }

    private static double UnbiasedMmd2(double[,] x, double[,] y)
    {
        int m = x.GetLength(0), d = x.GetLength(1);
        double Kernel(double[,] p, int i, double[,] q, int j)
        {
            double dot = 0;
            for (int c = 0; c < d; c++) dot += p[i, c] * q[j, c];
            return Math.Pow(dot / d + 1, 3);
        }
        double xx = 0, yy = 0, xy = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
            {
                if (i != j)
                {
                    xx += Kernel(x, i, x, j);
                    yy += Kernel(y, i, y, j);
                }
                xy += Kernel(x, i, y, j);
            }
        return xx / (m * (m - 1.0)) + yy / (m * (m - 1.0)) - 2 * xy / ((double)m * m);
    }
}
