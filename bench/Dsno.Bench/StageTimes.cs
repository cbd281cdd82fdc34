namespace Dsno.Bench;

/// <summary>Wall time spent in each stage, summed over the processes that did work in it (stored in <c>stages.json</c>).</summary>
public sealed class StageTimes
{
    /// <summary>Minutes per stage name.</summary>
    public Dictionary<string, double> Minutes { get; init; } = new();

    /// <summary>Runs <paramref name="stage"/> and adds its wall time when it took longer than a few seconds (skipped stages do not count).</summary>
    public static T Measure<T>(BenchPaths paths, string name, Func<T> stage)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = stage();
        if (clock.Elapsed.TotalSeconds > 3)
        {
            string file = Path.Combine(paths.ResultFolder, "stages.json");
            var times = JsonFiles.Read<StageTimes>(file) ?? new StageTimes();
            times.Minutes[name] = times.Minutes.GetValueOrDefault(name) + clock.Elapsed.TotalMinutes;
            JsonFiles.Write(file, times);
        }
        return result;
    }

    /// <summary>The stored times, or empty.</summary>
    public static StageTimes Read(BenchPaths paths) => JsonFiles.Read<StageTimes>(Path.Combine(paths.ResultFolder, "stages.json")) ?? new StageTimes();
}
