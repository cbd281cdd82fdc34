namespace Dsno.Training;

/// <summary>Thrown when a training step produces a NaN or infinite loss. The last good checkpoint (if any) is left untouched.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for the step that diverged.</summary>
    public TrainingDivergedException(string stage, int step, double learningRate, string? checkpointPath)
        : base($"{stage} training diverged at step {step}: the loss is not finite. " +
               (checkpointPath is null ? "" : $"The last good checkpoint is kept at '{checkpointPath}'. ") +
               $"Try a lower learning rate (now {learningRate:g3}), more warm-up steps or gradient clipping.")
    {
        Step = step;
    }

    /// <summary>The step whose loss was not finite.</summary>
    public int Step { get; }
}
