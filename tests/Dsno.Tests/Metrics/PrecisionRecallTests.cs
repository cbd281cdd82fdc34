using Dsno.Metrics;

namespace Dsno.Tests.Metrics;

public class PrecisionRecallTests
{
    [Fact]
    public void IdenticalSets_GiveOneAndOne()
    {
        var x = MetricsTestData.Isotropic(new Random(20), 300, 8);
        var result = PrecisionRecall.Compute(x, x, k: 3);
        Assert.Equal(1.0, result.Precision);
        Assert.Equal(1.0, result.Recall);
    }

    [Fact]
    public void FarApartClusters_GiveZeroAndZero()
    {
        var random = new Random(21);
        var real = MetricsTestData.Isotropic(random, 200, 4, mean: 0);
        var generated = MetricsTestData.Isotropic(random, 200, 4, mean: 100);
        var result = PrecisionRecall.Compute(real, generated);
        Assert.Equal(0.0, result.Precision);
        Assert.Equal(0.0, result.Recall);
    }

    [Fact]
    public void GeneratedCoveringHalfTheModes_HasFullPrecisionAndHalfRecall()
    {
        var random = new Random(22);
        double[][] centres = { new[] { 10.0, 10 }, new[] { -10.0, 10 }, new[] { 10.0, -10 }, new[] { -10.0, -10 } };
        var real = Clusters(random, centres, 150);
        var generated = Clusters(random, centres[..2], 300);
        var result = PrecisionRecall.Compute(real, generated, k: 3);
        Assert.True(result.Precision > 0.95, $"precision {result.Precision}");
        Assert.InRange(result.Recall, 0.42, 0.5);
    }

    [Fact]
    public void MatchesBruteForceLoops()
    {
        var random = new Random(23);
        var real = MetricsTestData.Isotropic(random, 120, 3);
        var generated = MetricsTestData.Isotropic(random, 90, 3, mean: 0.5, scale: 0.7);
        foreach (int k in new[] { 1, 3, 5 })
        {
            var result = PrecisionRecall.Compute(real, generated, k);
            Assert.Equal(FractionInside(generated, real, k), result.Precision, 12);
            Assert.Equal(FractionInside(real, generated, k), result.Recall, 12);
        }
    }

    [Fact]
    public void RefusesTooFewSamples()
    {
        var x = MetricsTestData.Isotropic(new Random(24), 3, 2);
        Assert.Throws<ArgumentException>(() => PrecisionRecall.Compute(x, x, k: 3));
    }

    private static double[,] Clusters(Random random, double[][] centres, int perCluster)
    {
        var result = new double[centres.Length * perCluster, 2];
        for (int c = 0; c < centres.Length; c++)
            for (int i = 0; i < perCluster; i++)
                for (int j = 0; j < 2; j++) result[c * perCluster + i, j] = centres[c][j] + 0.5 * MetricsTestData.StandardNormal(random);
        return result;
    }

    private static double Distance(double[,] a, int i, double[,] b, int j)
    {
        double sum = 0;
        for (int c = 0; c < a.GetLength(1); c++) sum += (a[i, c] - b[j, c]) * (a[i, c] - b[j, c]);
        return Math.Sqrt(sum);
    }

    private static double FractionInside(double[,] queries, double[,] manifold, int k)
    {
        int n = manifold.GetLength(0);
        var radii = new double[n];
        for (int i = 0; i < n; i++)
            radii[i] = Enumerable.Range(0, n).Where(j => j != i).Select(j => Distance(manifold, i, manifold, j)).Order().ElementAt(k - 1);
        int inside = 0;
        for (int q = 0; q < queries.GetLength(0); q++)
            if (Enumerable.Range(0, n).Any(i => Distance(queries, q, manifold, i) <= radii[i])) inside++;
        return (double)inside / queries.GetLength(0);
    }
}
