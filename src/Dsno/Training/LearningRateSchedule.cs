namespace Dsno.Training;

/// <summary>The learning rate of each optimiser step: a linear warm-up to the peak, then a <see cref="LearningRateDecay"/>.</summary>
public static class LearningRateSchedule
{
    /// <summary>
    /// The rate of step <paramref name="step"/> (0-based) of <paramref name="steps"/>: <c>peak (step + 1) / warmup</c> during the warm-up,
    /// then <c>peak f(p)</c> with p = (step - warmup) / (steps - warmup) in [0, 1) and f = 1, (1 + cos(pi p)) / 2 or 1 - p. A function
    /// of the step alone, so a resumed run continues the same curve.
    /// </summary>
    public static double At(int step, int steps, double peak, int warmup, LearningRateDecay decay)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "must not be negative");
        if (warmup > 0 && step < warmup) return peak * (step + 1.0) / warmup;
        double p = steps > warmup ? (double)(step - warmup) / (steps - warmup) : 0;
        p = Math.Clamp(p, 0, 1);
        return decay switch
        {
            LearningRateDecay.Constant => peak,
            LearningRateDecay.Cosine => peak * (1 + Math.Cos(Math.PI * p)) / 2,
            LearningRateDecay.Linear => peak * (1 - p),
            _ => throw new ArgumentOutOfRangeException(nameof(decay), decay, "unknown learning-rate decay"),
        };
    }

    /// <summary>The rate of step <paramref name="step"/> under <paramref name="options"/>.</summary>
    public static double At(int step, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return At(step, options.Steps, options.LearningRate, options.WarmupSteps, options.LearningRateDecay);
    }
}
