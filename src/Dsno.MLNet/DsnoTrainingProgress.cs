namespace Dsno.MLNet;

/// <summary>A progress report from <see cref="DsnoEstimator.Fit"/> or <see cref="DiffusionTeacherEstimator.Fit"/>, sent after every step.</summary>
/// <param name="Stage">"teacher", "dsno" or "distillation".</param>
/// <param name="Step">Steps done.</param>
/// <param name="TotalSteps">Steps planned.</param>
/// <param name="Loss">Loss of the last step.</param>
/// <param name="LearningRate">Learning rate of the last step.</param>
/// <param name="Elapsed">Wall time so far.</param>
public sealed record DsnoTrainingProgress(string Stage, int Step, int TotalSteps, double Loss, double LearningRate, TimeSpan Elapsed);
