namespace Dsno.Training;

/// <summary>One progress report from a trainer, sent after every step.</summary>
/// <param name="Stage">What is being trained ("teacher", "dsno", "distillation").</param>
/// <param name="Step">Steps completed.</param>
/// <param name="TotalSteps">Steps planned.</param>
/// <param name="Loss">Loss of the last step.</param>
/// <param name="LearningRate">Learning rate used in the last step.</param>
/// <param name="Elapsed">Wall time since this run started (not counting a resumed run's earlier part).</param>
public record TrainingProgress(string Stage, int Step, int TotalSteps, double Loss, double LearningRate, TimeSpan Elapsed)
{
    /// <summary>Fraction done, in [0, 1].</summary>
    public double Fraction => TotalSteps == 0 ? 1 : (double)Step / TotalSteps;
}
