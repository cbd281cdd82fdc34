namespace Dsno.Cli.Infrastructure;

/// <summary>
/// Turns the ML.NET layer's per-step training reports into the progress bar's value and a loss readout (the last loss and a running
/// average over about 20 steps), and remembers where a resumed run started and the last loss. Called on the training thread.
/// </summary>
/// <param name="bar">The bar it drives.</param>
/// <param name="label">The name in front of the readout ("teacher", "dsno").</param>
public sealed class TrainingProgressReporter(ProgressBar bar, string label) : IProgress<DsnoTrainingProgress>
{
    private readonly ProgressBar _bar = bar ?? throw new ArgumentNullException(nameof(bar));
    private double _smoothed = double.NaN;

    /// <summary>The step the run resumed from (0 for a fresh run); null until the first report.</summary>
    public int? ResumedFromStep { get; private set; }

    /// <summary>Loss of the last step.</summary>
    public double LastLoss { get; private set; } = double.NaN;

    /// <summary>Running average of the loss.</summary>
    public double SmoothedLoss => _smoothed;

    /// <inheritdoc/>
    public void Report(DsnoTrainingProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (ResumedFromStep is null)
        {
            ResumedFromStep = value.Step - 1;
            _bar.SetAlreadyDone(value.Step - 1);
        }
        LastLoss = value.Loss;
        _smoothed = double.IsNaN(_smoothed) ? value.Loss : 0.95 * _smoothed + 0.05 * value.Loss;
        string text = string.Create(CultureInfo.InvariantCulture, $"{label} {value.Step}/{value.TotalSteps}  loss {value.Loss:0.0000} (avg {_smoothed:0.0000})");
        _bar.Report(value.Step, value.Loss, text);
    }
}
