using Dsno.Training;

namespace Dsno.Tests.Training;

public class LearningRateScheduleTests
{
    [Fact]
    public void WarmUpThenEachDecayHasItsValues()
    {
        const double peak = 1e-3;
        // Warm-up: (step + 1) / warmup of the peak, whatever the decay.
        foreach (var decay in Enum.GetValues<LearningRateDecay>())
        {
            Assert.Equal(peak * 1 / 10, LearningRateSchedule.At(0, 110, peak, 10, decay), 15);
            Assert.Equal(peak * 10 / 10, LearningRateSchedule.At(9, 110, peak, 10, decay), 15);
        }
        // After it, p = (step - 10) / 100.
        Assert.Equal(peak, LearningRateSchedule.At(10, 110, peak, 10, LearningRateDecay.Cosine), 15);
        Assert.Equal(peak / 2, LearningRateSchedule.At(60, 110, peak, 10, LearningRateDecay.Cosine), 15);
        Assert.Equal(peak * (1 + Math.Cos(Math.PI * 0.99)) / 2, LearningRateSchedule.At(109, 110, peak, 10, LearningRateDecay.Cosine), 15);
        Assert.Equal(peak * 0.75, LearningRateSchedule.At(35, 110, peak, 10, LearningRateDecay.Linear), 15);
        Assert.Equal(peak * 0.01, LearningRateSchedule.At(109, 110, peak, 10, LearningRateDecay.Linear), 15);
        Assert.Equal(peak, LearningRateSchedule.At(109, 110, peak, 10, LearningRateDecay.Constant), 15);
        // Never zero or negative within the run, and falling monotonically after warm-up.
        for (int s = 10; s < 109; s++)
        {
            Assert.True(LearningRateSchedule.At(s + 1, 110, peak, 10, LearningRateDecay.Cosine) < LearningRateSchedule.At(s, 110, peak, 10, LearningRateDecay.Cosine));
            Assert.True(LearningRateSchedule.At(s + 1, 110, peak, 10, LearningRateDecay.Linear) > 0);
        }
        // No warm-up: the decay starts at step 0.
        Assert.Equal(peak, LearningRateSchedule.At(0, 100, peak, 0, LearningRateDecay.Linear), 15);
    }

    [Fact]
    public void OptionsRefuseAnUnknownDecay()
    {
        var bad = new TrainingOptions { LearningRateDecay = (LearningRateDecay)7 };
        Assert.Contains("LearningRateDecay", Assert.Throws<ArgumentOutOfRangeException>(bad.Validate).Message);
    }
}
