namespace Dsno.Training;

/// <summary>What a training run did.</summary>
/// <param name="Losses">Loss of every step from step 0 (a resumed run includes the steps before the checkpoint).</param>
/// <param name="ResumedFromStep">The step a checkpoint resumed from, or 0.</param>
/// <param name="Elapsed">Wall time of this run.</param>
public sealed record TrainingResult(IReadOnlyList<float> Losses, int ResumedFromStep, TimeSpan Elapsed)
{
    /// <summary>The gradient self-check that ran before the first step, or null for a network without one.</summary>
    public GradientCheckResult? GradientCheck { get; init; }

    /// <summary>Mean loss over the first and the last <paramref name="window"/> steps, to see that it fell.</summary>
    public (double First, double Last) LossTrend(int window = 20)
    {
        if (Losses.Count == 0) return (double.NaN, double.NaN);
        int w = Math.Min(window, Losses.Count);
        return (Losses.Take(w).Average(), Losses.Skip(Losses.Count - w).Average());
    }
}
