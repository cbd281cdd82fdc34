namespace Dsno.Cli.Infrastructure;

/// <summary>Hands each count reported to a callback, on the reporting thread (a progress bar's row count).</summary>
public sealed class RowProgress(Action<long> report) : IProgress<long>
{
    /// <inheritdoc/>
    public void Report(long value) => report(value);
}
