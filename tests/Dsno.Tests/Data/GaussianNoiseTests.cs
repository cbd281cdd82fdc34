using Dsno.Runtime;
using Dsno.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Tests.Data;

public class GaussianNoiseTests
{
    [Fact]
    public void RowsDoNotDependOnTheBatch()
    {
        using var all = GaussianNoise.Sample(0, 10, 3, 4, 5, seed: 11);
        using var part = GaussianNoise.Sample(3, 3, 3, 4, 5, seed: 11);
        Assert.Equal(new long[] { 10, 3, 4, 5 }, all.shape);
        Assert.Equal(ScalarType.Float32, all.dtype);
        using var slice = all.narrow(0, 3, 3);
        Assert.True(torch.allclose(slice, part, rtol: 0, atol: 0));
        using var one = GaussianNoise.Sample(9, 1, 3, 4, 5, seed: 11);
        Assert.Equal(all[9].data<float>().ToArray(), one[0].data<float>().ToArray());
        Assert.Equal(all.data<float>().ToArray(), GaussianNoise.SampleArray(0, 10, 3, 4, 5, seed: 11));
    }

    [Fact]
    public void SeedAndRowChangeTheValues()
    {
        using var a = GaussianNoise.Sample(0, 2, 1, 8, 8, seed: 1);
        using var b = GaussianNoise.Sample(0, 2, 1, 8, 8, seed: 2);
        Assert.False(torch.allclose(a, b));
        Assert.False(torch.allclose(a[0], a[1]));
        // Seed s row r must not simply be seed s+1 row r-1 (or any such shift).
        using var c = GaussianNoise.Sample(1, 1, 1, 8, 8, seed: 0);
        Assert.False(torch.allclose(a[0], c[0]));
    }

    [Fact]
    public void ValuesAreStandardNormal()
    {
        using var noise = GaussianNoise.Sample(0, 160, 1, 8, 8, seed: 5); // 10,240 values
        var v = noise.data<float>().ToArray();
        double mean = v.Average();
        double std = Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Average());
        Assert.InRange(mean, -0.04, 0.04); // standard error 0.01
        Assert.InRange(std, 0.97, 1.03);
        double tail = v.Count(x => Math.Abs(x) > 1.96) / (double)v.Length; // 5% for a standard normal
        Assert.InRange(tail, 0.04, 0.06);
        // Neighbouring rows are uncorrelated.
        using var rows = noise.reshape(160, 64);
        using var corr = (rows.narrow(0, 0, 159) * rows.narrow(0, 1, 159)).mean();
        Assert.InRange(corr.item<float>(), -0.05f, 0.05f);
    }

    [Fact]
    public void LabelsAreUniformAndDependOnlyOnSeedAndRow()
    {
        var all = GaussianNoise.Labels(0, 10_000, 10, seed: 3);
        Assert.Equal(all[4000..4010], GaussianNoise.Labels(4000, 10, 10, seed: 3));
        Assert.NotEqual(all[..100], GaussianNoise.Labels(0, 100, 10, seed: 4));
        Assert.All(all, l => Assert.InRange(l, 0, 9));
        var counts = all.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, counts.Count);
        double chi2 = counts.Values.Sum(c => (c - 1000.0) * (c - 1000.0) / 1000.0);
        Assert.True(chi2 < 27.9, $"chi-square {chi2} with 9 degrees of freedom (p < 0.001)");
        Assert.All(GaussianNoise.Labels(0, 50, 1, seed: 3), l => Assert.Equal(0, l));
    }

    [Fact]
    public void SplitMix64MatchesTheReferenceSequence()
    {
        // Reference outputs of splitmix64.c (Vigna) started from state 1234567.
        ulong state = 1234567;
        var expected = new[] { 6457827717110365317UL, 3203168211198807973UL, 9817491932198370423UL, 4593380528125082431UL, 16408922859458223821UL };
        foreach (var e in expected)
        {
            state += SplitMix64.Gamma;
            Assert.Equal(e, SplitMix64.Mix(state));
        }
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianNoise.Sample(-1, 1, 1, 2, 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianNoise.Sample(0, 1, 0, 2, 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianNoise.Labels(0, 1, 0, 0));
        using var empty = GaussianNoise.Sample(0, 0, 1, 2, 2, 0);
        Assert.Equal(new long[] { 0, 1, 2, 2 }, empty.shape);
    }
}

/// <summary>Tests that change torch's global thread count run alone, after the parallel tests.</summary>
[CollectionDefinition("Dsno.Data thread count", DisableParallelization = true)]
public class DataThreadCountCollection
{
}

[Collection("Dsno.Data thread count")]
public class GaussianNoiseThreadTests
{
    [Fact]
    public void ValuesDoNotDependOnTheThreadCount()
    {
        int original = torch.get_num_threads();
        try
        {
            torch.set_num_threads(1);
            var one = GaussianNoise.SampleArray(0, 4, 3, 32, 32, seed: 9);
            torch.set_num_threads(2);
            var two = GaussianNoise.SampleArray(0, 4, 3, 32, 32, seed: 9);
            Assert.Equal(one, two);
        }
        finally
        {
            torch.set_num_threads(original);
        }
    }
}
