using Dsno.Training;

namespace Dsno.MLNet.Internal;

/// <summary>
/// Connects a core training run to ML.NET (it is the progress sink the core trainer reports to): forwards every step to the user's <see cref="IProgress{T}"/>, writes a line to the
/// context's log (<c>MLContext.Log</c>) every few steps, and stops the run when the user's token fires or
/// <c>MLContext.CancelExecution()</c> is called.
/// </summary>
internal sealed class TrainingHost : IProgress<TrainingProgress>, IDisposable
{
    private readonly IHostEnvironment _environment;
    private readonly IChannel _channel;
    private readonly IProgress<DsnoTrainingProgress>? _user;
    private readonly CancellationTokenSource _cancel;
    private readonly int _logEvery;

    public TrainingHost(IHostEnvironment environment, string component, IProgress<DsnoTrainingProgress>? progress, CancellationToken token, int totalSteps)
    {
        _environment = environment;
        _channel = environment.Start(component);
        _user = progress;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(token);
        _logEvery = Math.Max(1, totalSteps / 20);
        if (MlNetInternals.IsCancelled(environment)) _cancel.Cancel();
    }

    /// <summary>The token a core trainer checks every step.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>Writes an informational line to the context's log.</summary>
    public void Info(string message) => _channel.Info(MessageSensitivity.None, message);

    /// <summary>Forwards a step to the user's progress and, every few steps, to the log; picks up a cancellation of the context.</summary>
    public void Report(TrainingProgress p)
    {
        _user?.Report(new DsnoTrainingProgress(p));
        if (p.Step % _logEvery == 0 || p.Step == p.TotalSteps)
            Info($"{p.Stage}: step {p.Step}/{p.TotalSteps}, loss {p.Loss:G4}, learning rate {p.LearningRate:G3}, {p.Elapsed.TotalSeconds:F1} s");
        if (MlNetInternals.IsCancelled(_environment)) _cancel.Cancel();
    }

    public void Dispose()
    {
        _channel.Dispose();
        _cancel.Dispose();
    }
}
