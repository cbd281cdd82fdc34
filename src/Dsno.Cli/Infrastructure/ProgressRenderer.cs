namespace Dsno.Cli.Infrastructure;

/// <summary>
/// The progress display every verb shares: one Spectre.Console bar per long step with its rate, elapsed time and ETA (and the loss
/// while training). With <c>--quiet</c> nothing is drawn but the reports still reach <see cref="CliContext.Observer"/>.
/// </summary>
public static class ProgressRenderer
{
    /// <summary>Runs <paramref name="work"/> with a progress board; returns its result.</summary>
    public static T Run<T>(CliContext context, Func<ProgressBoard, T> work)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(work);
        if (context.Quiet) return work(new ProgressBoard(context, null));
        return context.Console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RateColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(progress => work(new ProgressBoard(context, progress)));
    }
}

/// <summary>The bars of one <see cref="ProgressRenderer.Run{T}"/> call: Spectre.Console's <paramref name="progress"/>, or none with <c>--quiet</c>.</summary>
public sealed class ProgressBoard(CliContext context, ProgressContext? progress)
{
    /// <summary>Adds a bar of <paramref name="total"/> units named <paramref name="unit"/> (shown in the rate column).</summary>
    public ProgressBar Add(string stage, string description, double total, string unit)
    {
        var task = progress?.AddTask(Markup.Escape(description), new ProgressTaskSettings { MaxValue = Math.Max(total, 1), AutoStart = true });
        if (task is not null) task.Tag = unit;
        return new ProgressBar(context, task, stage, total);
    }
}

/// <summary>One bar: set its value, description and total as work goes on; every update also goes to the context's observer.</summary>
public sealed class ProgressBar(CliContext context, ProgressTask? task, string stage, double total)
{
    private readonly long _total = (long)total;
    private long _offset;

    /// <summary>Units that were already done before this run (resumed); the bar and its rate count only the rest.</summary>
    public void SetAlreadyDone(long done)
    {
        _offset = done;
        if (task is not null) task.MaxValue = Math.Max(1, _total - done);
    }

    /// <summary>Reports <paramref name="done"/> units done in total (including those already done).</summary>
    public void Report(long done, double? loss = null, string? description = null)
    {
        if (task is not null)
        {
            if (description is not null) task.Description = Markup.Escape(description);
            task.Value = Math.Max(0, done - _offset);
        }
        context.Observer?.Invoke(new CliProgressEvent(stage, done, _total, loss));
    }

    /// <summary>Shows the bar as busy with no known total (for a step that reports no progress of its own).</summary>
    public void Indeterminate(bool on)
    {
        if (task is not null) task.IsIndeterminate = on;
    }

    /// <summary>Fills the bar and stops its clock.</summary>
    public void Complete()
    {
        if (task is null) return;
        task.IsIndeterminate = false;
        task.Value = task.MaxValue;
        task.StopTask();
    }
}

/// <summary>A progress column that shows the task's rate in its own unit ("12.3 steps/s").</summary>
public sealed class RateColumn : ProgressColumn
{
    /// <inheritdoc/>
    public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime)
    {
        string unit = task.Tag as string ?? "it";
        if (task.Speed is not { } speed || !double.IsFinite(speed)) return new Text($"? {unit}/s", Style.Plain);
        string text = speed >= 100 ? $"{speed:F0}" : speed >= 10 ? $"{speed:F1}" : $"{speed:F2}";
        return new Text(FormattableString.Invariant($"{text} {unit}/s"), new Style(Color.Grey));
    }
}
