using Dsno.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Tests.Diffusion;

public class NoiseScheduleTests
{
    public static TheoryData<string> Names() => new() { "cosine", "linear" };

    private static double[] Grid(int points) => Enumerable.Range(0, points + 1).Select(i => (double)i / points).ToArray();

    [Theory]
    [MemberData(nameof(Names))]
    public void FromNameGivesTheScheduleOfThatName(string name) => Assert.Equal(name, NoiseSchedule.FromName(name).Name);

    [Fact]
    public void FromNameRejectsUnknownNames() => Assert.Throws<ArgumentOutOfRangeException>(() => NoiseSchedule.FromName("sqrt"));

    [Theory]
    [MemberData(nameof(Names))]
    public void AlphaAndSigmaArePositiveAndVariancePreserving(string name)
    {
        var schedule = NoiseSchedule.FromName(name);
        foreach (double t in Grid(1000))
        {
            double alpha = schedule.Alpha(t), sigma = schedule.Sigma(t);
            Assert.True(alpha > 0 && sigma > 0, $"t = {t}: alpha {alpha}, sigma {sigma}");
            Assert.Equal(1.0, alpha * alpha + sigma * sigma, 1e-12);
            Assert.Equal(schedule.LogSnr(t), Math.Log(alpha * alpha / (sigma * sigma)), 1e-9);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void LogSnrIsFiniteAndStrictlyDecreasing(string name)
    {
        var schedule = NoiseSchedule.FromName(name);
        double[] lambda = Grid(100_000).Select(schedule.LogSnr).ToArray();
        Assert.All(lambda, l => Assert.True(double.IsFinite(l)));
        for (int i = 1; i < lambda.Length; i++)
            Assert.True(lambda[i] < lambda[i - 1], $"lambda not decreasing at point {i}: {lambda[i - 1]} then {lambda[i]}");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void TimeFromLogSnrInvertsLogSnr(string name)
    {
        var schedule = NoiseSchedule.FromName(name);
        foreach (double t in Grid(2000).Concat(new[] { 1e-9, 1e-6, 1 - 1e-9 }))
            Assert.Equal(t, schedule.TimeFromLogSnr(schedule.LogSnr(t)), 1e-9);
        // Outside the range the inverse clamps to the ends.
        Assert.Equal(0.0, schedule.TimeFromLogSnr(schedule.LogSnr(0) + 5));
        Assert.Equal(1.0, schedule.TimeFromLogSnr(schedule.LogSnr(1) - 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.TimeFromLogSnr(double.NaN));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void DerivativeMatchesCentralDifferences(string name)
    {
        var schedule = NoiseSchedule.FromName(name);
        foreach (double t in new[] { 1e-3, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999 })
        {
            double h = 1e-6 * Math.Min(t, 1 - t);
            double numeric = (schedule.LogSnr(t + h) - schedule.LogSnr(t - h)) / (2 * h);
            double exact = schedule.LogSnrDerivative(t);
            Assert.True(exact < 0, $"t = {t}: derivative {exact} should be negative");
            Assert.True(Math.Abs(exact - numeric) <= 1e-6 * Math.Abs(exact), $"t = {t}: exact {exact}, central difference {numeric}");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void TensorVersionEqualsScalarVersion(string name)
    {
        var schedule = NoiseSchedule.FromName(name);
        using var scope = torch.NewDisposeScope();
        double[] grid = Grid(257);
        var t64 = torch.tensor(grid, dtype: ScalarType.Float64).reshape(2, -1);
        var lambda64 = schedule.LogSnr(t64);
        Assert.Equal(ScalarType.Float64, lambda64.dtype);
        Assert.Equal(t64.shape, lambda64.shape);
        double[] expected = grid.Select(schedule.LogSnr).ToArray();
        double[] actual = lambda64.reshape(-1).data<double>().ToArray();
        for (int i = 0; i < grid.Length; i++) Assert.Equal(expected[i], actual[i], 1e-12);

        // float32 in, float32 out: computed in float64, rounded once.
        float[] grid32 = grid.Select(t => (float)t).ToArray();
        var lambda32 = schedule.LogSnr(torch.tensor(grid32));
        Assert.Equal(ScalarType.Float32, lambda32.dtype);
        float[] actual32 = lambda32.data<float>().ToArray();
        for (int i = 0; i < grid.Length; i++) Assert.Equal((float)schedule.LogSnr(grid32[i]), actual32[i]);

        double[] alpha = schedule.Alpha(t64).reshape(-1).data<double>().ToArray();
        double[] sigma = schedule.Sigma(t64).reshape(-1).data<double>().ToArray();
        for (int i = 0; i < grid.Length; i++)
        {
            Assert.Equal(schedule.Alpha(grid[i]), alpha[i], 1e-12);
            Assert.Equal(schedule.Sigma(grid[i]), sigma[i], 1e-12);
        }
    }

    [Fact]
    public void CosineScheduleSpansItsLogSnrRangeWithTanOfAnAffineAngle()
    {
        var schedule = new CosineSchedule(logSnrMin: -12, logSnrMax: 15);
        Assert.Equal(15, schedule.LogSnr(0), 1e-9);
        Assert.Equal(-12, schedule.LogSnr(1), 1e-9);
        // atan(exp(-lambda / 2)) must be affine in t: zero second differences.
        double Angle(double t) => Math.Atan(Math.Exp(-schedule.LogSnr(t) / 2));
        for (double t = 0.05; t < 0.95; t += 0.1)
            Assert.Equal(0, Angle(t - 0.05) - 2 * Angle(t) + Angle(t + 0.05), 1e-12);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(logSnrMin: 5, logSnrMax: 5));
    }

    [Fact]
    public void LinearScheduleMatchesTheVpSdeMarginals()
    {
        var schedule = new LinearSchedule();
        foreach (double t in new[] { 0.0, 0.1, 0.5, 1.0 })
        {
            // Song et al. 2021, VP SDE: log alpha(t') = -beta_min t' / 2 - (beta_max - beta_min) t'^2 / 4, t' = 1e-3 + (1 - 1e-3) t.
            double tp = 1e-3 + (1 - 1e-3) * t;
            double logAlpha = -0.1 * tp / 2 - (20 - 0.1) * tp * tp / 4;
            Assert.Equal(logAlpha, Math.Log(schedule.Alpha(t)), 1e-9);
        }
        // At t = 0 the noise is tiny: g = 1.0995e-4, lambda = -log(expm1(g)) from the series of expm1.
        double g = 0.1 * 1e-3 + 0.5 * 19.9 * 1e-6;
        double expm1 = g + g * g / 2 + g * g * g / 6 + g * g * g * g / 24;
        Assert.Equal(-Math.Log(expm1), schedule.LogSnr(0), 1e-13);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearSchedule(betaMin: 0));
    }

    [Fact]
    public void StableMathKeepsDigitsNearZero()
    {
        foreach (double x in new[] { 1e-12, -3e-9, 1e-5, 0.3, -0.7, 2.5 })
        {
            double series = x + x * x / 2 + x * x * x / 6 + x * x * x * x / 24 + Math.Pow(x, 5) / 120;
            double expected = Math.Abs(x) < 1e-3 ? series : Math.Exp(x) - 1;
            Assert.Equal(expected, StableMath.ExpM1(x), Math.Abs(expected) * 1e-14);
            Assert.Equal(x, StableMath.LogP1(StableMath.ExpM1(x)), Math.Abs(x) * 1e-14);
        }
    }
}
