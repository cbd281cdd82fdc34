namespace Dsno.Bench;

/// <summary>
/// Wall time spent in each stage, summed over the processes that did work in it (stored in <c>results/stages.json</c>). Stages add their
/// time in pieces as their work reaches disk (a checkpoint, a shard, a finished model), so a process that is killed still counts what
/// it kept.
/// </summary>
public sealed class StageTimes
{
    private static readonly object Gate = new();

    /// <summary>Minutes per stage name.</summary>
    public Dictionary<string, double> Minutes { get; init; } = new();

    /// <summary>Runs <paramref name="stage"/> with a clock that it may flush as it saves work; the rest is added at the end.</summary>
    public static T Measure<T>(BenchPaths paths, string name, Func<StageClock, T> stage)
    {
        var clock = new StageClock(paths, name);
        var result = stage(clock);
        clock.Flush(minimumSeconds: 3);
        return result;
    }

    /// <summary>Adds <paramref name="minutes"/> to the stage <paramref name="name"/>.</summary>
    public static void Add(BenchPaths paths, string name, double minutes)
    {
        lock (Gate)
        {
            string file = Path.Combine(paths.ResultFolder, "stages.json");
            var times = JsonFiles.Read<StageTimes>(file) ?? new StageTimes();
            times.Minutes[name] = times.Minutes.GetValueOrDefault(name) + minutes;
            JsonFiles.Write(file, times);
        }
    }

    /// <summary>The stored times, or empty.</summary>
    public static StageTimes Read(BenchPaths paths) => JsonFiles.Read<StageTimes>(Path.Combine(paths.ResultFolder, "stages.json")) ?? new StageTimes();
}

/// <summary>The running clock of one stage.</summary>
public sealed class StageClock
{
    private readonly BenchPaths _paths;
    private readonly string _name;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private bool _flushed;

    /// <summary>A clock for the stage <paramref name="name"/>.</summary>
    public StageClock(BenchPaths paths, string name)
    {
        _paths = paths;
        _name = name;
    }

    /// <summary>Restarts the clock without adding the time since the last flush (time spent waiting, not working).</summary>
    public void Discard() => _clock.Restart();

    /// <summary>
    /// Adds the time since the last flush to the stage (call it when work has been saved). Pieces shorter than
    /// <paramref name="minimumSeconds"/> are dropped when nothing was flushed before, so a stage that only found its work done adds nothing.
    /// </summary>
    public void Flush(double minimumSeconds = 0)
    {
        double seconds = _clock.Elapsed.TotalSeconds;
        _clock.Restart();
        if (!_flushed && seconds < minimumSeconds) return;
        _flushed = true;
        StageTimes.Add(_paths, _name, seconds / 60);
    }
}
