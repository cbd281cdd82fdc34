using Dsno.Diffusion;

namespace Dsno.Tests.Diffusion;

public class StepTimesTests
{
    private static void AssertStepList(double[] times, int steps)
    {
        Assert.Equal(steps + 1, times.Length);
        Assert.Equal(1.0, times[0]);
        Assert.Equal(0.0, times[^1]);
        for (int i = 1; i < times.Length; i++) Assert.True(times[i] < times[i - 1], $"not decreasing at {i}");
    }

    [Fact]
    public void UniformIsEvenlySpacedInT()
    {
        double[] times = StepTimes.Uniform(8);
        AssertStepList(times, 8);
        for (int i = 1; i < times.Length; i++) Assert.Equal(0.125, times[i - 1] - times[i], 1e-15);
    }

    [Fact]
    public void QuadraticIsDenserNearTheData()
    {
        double[] times = StepTimes.Quadratic(4);
        AssertStepList(times, 4);
        Assert.Equal(new[] { 1, 0.5625, 0.25, 0.0625, 0 }, times);
    }

    [Theory]
    [InlineData("cosine")]
    [InlineData("linear")]
    public void UniformLogSnrHasEqualLogSnrGaps(string name)
    {
        var schedule = NoiseSchedule.FromName(name);
        double[] times = StepTimes.UniformLogSnr(schedule, 10);
        AssertStepList(times, 10);
        double gap = (schedule.LogSnr(0) - schedule.LogSnr(1)) / 10;
        for (int i = 1; i < times.Length; i++)
            Assert.Equal(gap, schedule.LogSnr(times[i]) - schedule.LogSnr(times[i - 1]), 1e-8);
    }

    [Theory]
    [InlineData("cosine")]
    [InlineData("linear")]
    public void KarrasIsUniformInTheSeventhRootOfTheNoiseLevel(string name)
    {
        var schedule = NoiseSchedule.FromName(name);
        double S(double t) => Math.Exp(-schedule.LogSnr(t) / 2); // sigma / alpha

        // Over the schedule's whole range: s^(1/7) has equal gaps from s(1) to s(0).
        double[] whole = StepTimes.Karras(schedule, 12, maxNoise: double.PositiveInfinity);
        AssertEqualRootGaps(whole, 0, 12);

        // Capped at EDM's sigma_max = 80: one step from t = 1 to s = 80, then equal gaps to s(0) over the other 11.
        Assert.True(S(1) > 80, $"s(1) = {S(1)}");
        double[] capped = StepTimes.Karras(schedule, 12);
        Assert.Equal(1.0, capped[0]);
        Assert.Equal(80, S(capped[1]), 1e-6 * 80);
        AssertEqualRootGaps(capped, 1, 12);
        // Denser at the data end than a list uniform in t: its second-to-last time is smaller.
        Assert.True(capped[^2] < StepTimes.Uniform(12)[^2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => StepTimes.Karras(schedule, 4, rho: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => StepTimes.Karras(schedule, 4, maxNoise: -1));

        void AssertEqualRootGaps(double[] times, int from, int steps)
        {
            AssertStepList(times, steps);
            double[] root = times.Select(t => Math.Pow(S(t), 1 / 7.0)).ToArray();
            double gap = (root[^1] - root[from]) / (steps - from);
            Assert.True(gap < 0);
            for (int i = from + 1; i < root.Length; i++)
                Assert.Equal(gap, root[i] - root[i - 1], 1e-8);
        }
    }

    [Fact]
    public void OneStepIsTheEndsAndZeroStepsIsRejected()
    {
        Assert.Equal(new[] { 1.0, 0.0 }, StepTimes.Uniform(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => StepTimes.Uniform(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => StepTimes.Quadratic(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => StepTimes.UniformLogSnr(new CosineSchedule(), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => StepTimes.Karras(new CosineSchedule(), 0));
    }

    [Fact]
    public void WithFramesIsTheSortedUnionWithFrameTimesKeptExactly()
    {
        double[] steps = StepTimes.Uniform(4); // 1, 0.75, 0.5, 0.25, 0
        double[] frames = { 0.5625, 0.5 + 1e-14, 0.25, 0.0625, 0 };
        double[] merged = StepTimes.WithFrames(steps, frames);
        Assert.Equal(new[] { 1, 0.75, 0.5625, 0.5 + 1e-14, 0.25, 0.0625, 0 }, merged);
        foreach (double f in frames) Assert.Contains(f, merged);
        Assert.Throws<ArgumentOutOfRangeException>(() => StepTimes.WithFrames(steps, new[] { 1.5 }));
    }
}
