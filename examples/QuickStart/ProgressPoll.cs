namespace Dsno.Examples;

/// <summary>
/// Drives a <see cref="ProgressLine"/> from a counter read on a timer, for work that reports nothing itself (an ML.NET transform
/// pulled by <c>SaveAsBinary</c>): for example a model's forward-pass count against the number a run will make.
/// </summary>
public sealed class ProgressPoll : IDisposable
{
    private readonly ProgressLine _line;
    private readonly Func<long> _done;
    private readonly long _total;
    private readonly Timer _timer;

    /// <summary>Starts polling <paramref name="done"/> every 200 ms until disposed.</summary>
    public ProgressPoll(ProgressLine line, Func<long> done, long total)
    {
        _line = line ?? throw new ArgumentNullException(nameof(line));
        _done = done ?? throw new ArgumentNullException(nameof(done));
        _total = total;
        _timer = new Timer(_ => Tick(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(200));
    }

    private void Tick() => _line.Update(Math.Min(_done(), _total), _total);

    /// <summary>Stops the timer and draws the final count.</summary>
    public void Dispose()
    {
        using (var stopped = new ManualResetEvent(false))
        {
            // Wait for a tick in flight so that nothing is drawn after the caller moves on.
            if (_timer.Dispose(stopped)) stopped.WaitOne();
        }
        Tick();
    }
}
