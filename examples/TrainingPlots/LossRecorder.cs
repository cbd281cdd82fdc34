using Dsno.MLNet;

namespace Dsno.Examples.TrainingPlots;

/// <summary>Keeps every training loss reported through <c>Options.Progress</c> and passes the report on to a progress bar.</summary>
public sealed class LossRecorder : IProgress<DsnoTrainingProgress>
{
    private readonly IProgress<DsnoTrainingProgress>? _next;
    private readonly List<double> _losses = new();

    /// <summary>Records losses and forwards each report to <paramref name="next"/>.</summary>
    public LossRecorder(IProgress<DsnoTrainingProgress>? next = null) => _next = next;

    /// <summary>The loss of step 1, 2, ... in order.</summary>
    public IReadOnlyList<double> Losses => _losses;

    /// <inheritdoc/>
    public void Report(DsnoTrainingProgress value)
    {
        _losses.Add(value.Loss);
        _next?.Report(value);
    }
}
