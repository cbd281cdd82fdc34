using System.Globalization;

namespace Dsno.Bench;

/// <summary>Timestamped console lines (the background run's log file is its standard output).</summary>
public static class BenchLog
{
    private static readonly DateTime Start = DateTime.Now;
    private static readonly object Gate = new();

    /// <summary>Writes one line with the wall time and the minutes since the process started.</summary>
    public static void Info(string message)
    {
        var now = DateTime.Now;
        lock (Gate)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{now:HH:mm:ss} +{(now - Start).TotalMinutes,5:0.0}m] {message}"));
    }

    /// <summary>A throttled progress reporter: logs at most every <paramref name="seconds"/> and always the last report.</summary>
    public static IProgress<T> Throttled<T>(Func<T, string> format, Func<T, bool> isLast, double seconds = 20)
    {
        var last = DateTime.MinValue;
        return new SyncProgress<T>(p =>
        {
            var now = DateTime.UtcNow;
            if ((now - last).TotalSeconds < seconds && !isLast(p)) return;
            last = now;
            Info(format(p));
        });
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread (no synchronisation context hop).</summary>
    private sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
    {
        public void Report(T value) => handler(value);
    }
}
