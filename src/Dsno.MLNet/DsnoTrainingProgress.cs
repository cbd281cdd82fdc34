using Dsno.Training;

namespace Dsno.MLNet;

/// <summary>
/// A progress report from <see cref="DsnoEstimator.Fit"/> or <see cref="DiffusionTeacherEstimator.Fit"/>, sent after every step: the
/// core's <see cref="TrainingProgress"/> (so an <c>IProgress&lt;TrainingProgress&gt;</c> can listen too).
/// </summary>
/// <param name="Stage">"teacher", "dsno" or "distillation".</param>
/// <param name="Step">Steps done.</param>
/// <param name="TotalSteps">Steps planned.</param>
/// <param name="Loss">Loss of the last step.</param>
/// <param name="LearningRate">Learning rate of the last step.</param>
/// <param name="Elapsed">Wall time so far.</param>
public sealed record DsnoTrainingProgress(string Stage, int Step, int TotalSteps, double Loss, double LearningRate, TimeSpan Elapsed)
    : TrainingProgress(Stage, Step, TotalSteps, Loss, LearningRate, Elapsed)
{
    /// <summary>The same report as a <see cref="DsnoTrainingProgress"/>.</summary>
    public DsnoTrainingProgress(TrainingProgress progress)
        : this(progress.Stage, progress.Step, progress.TotalSteps, progress.Loss, progress.LearningRate, progress.Elapsed) { }
}
