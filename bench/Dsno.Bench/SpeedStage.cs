using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Bench;

/// <summary>
/// Stage 5: every speed number in one process. Methods and forward passes are timed in interleaved rounds (every candidate once per
/// round) so that a burst of load from other users of the machine hits all of them alike; the fastest round is reported.
/// Redone when a model is newer than the last measurement.
/// </summary>
public static class SpeedStage
{
    /// <summary>Measures, unless a measurement newer than every model exists.</summary>
    public static SpeedResult Run(BenchConfig config, BenchPaths paths, EvaluationContext context, MethodGenerators generators, int threads)
    {
        var methods = MethodSpec.All(config).Where(m => m.InMainTable && generators.Available(m)).ToList();
        var previous = JsonFiles.Read<SpeedResult>(paths.Speed);
        if (previous is not null && !IsStale(paths, previous, methods)) return previous;

        BenchLog.Info($"speed: timing {methods.Count} methods at batch {config.TimingBatch}, {config.TimingRounds} interleaved rounds");
        double loadBefore = LoadAverage();
        var noise = context.Noise.narrow(0, 0, config.TimingBatch);
        foreach (var method in methods) Time(() => generators.Generate(method, noise).Images.Dispose()); // warm-up
        var rounds = methods.ToDictionary(m => m.Id, _ => new List<double>());
        for (int r = 0; r < config.TimingRounds; r++)
            foreach (var method in methods)
                rounds[method.Id].Add(Time(() => generators.Generate(method, noise).Images.Dispose()));
        var methodSpeeds = methods.Select(m => new MethodSpeed(m.Id, Fastest(rounds[m.Id]), rounds[m.Id].ToArray())).ToList();

        var forward = new List<ForwardCost>();
        foreach (int b in config.ForwardBatches)
            foreach (var spec in StudentSpec.All.Where(s => s.IsDsno && s.Grid == "quadratic" && s.Weighting == Dsno.Training.FrameWeighting.SqrtSnr))
            {
                var model = generators.Dsno(spec.Id);
                if (model is null) continue;
                forward.Add(MeasureForward(generators.Teacher, model, b, config.TimingRounds + 2));
                var f = forward[^1];
                BenchLog.Info(string.Create(CultureInfo.InvariantCulture,
                    $"speed: B={b} M={spec.M}: DSNO {f.DsnoSeconds * 1000:0.0} ms, backbone B {f.BackboneBatchSeconds * 1000:0.0} ms, backbone MxB {f.BackboneSlicesSeconds * 1000:0.0} ms, without temporal layers {f.NoTemporalSeconds * 1000:0.0} ms"));
            }

        var result = new SpeedResult(DateTime.Now.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), threads, loadBefore, LoadAverage(),
            config.TimingBatch, config.TimingRounds, methodSpeeds, forward);
        JsonFiles.Write(paths.Speed, result);
        return result;
    }

    private static bool IsStale(BenchPaths paths, SpeedResult previous, List<MethodSpec> methods)
    {
        if (methods.Any(m => previous.Methods.All(p => p.Id != m.Id))) return true;
        var measured = File.GetLastWriteTimeUtc(paths.Speed);
        return StudentSpec.All.Select(s => paths.StudentModel(s.Id)).Append(paths.TeacherModel)
            .Any(f => File.Exists(f) && File.GetLastWriteTimeUtc(f) > measured);
    }

    private static ForwardCost MeasureForward(Dsno.Models.DiffusionTeacher teacher, Dsno.Models.DsnoModel model, int b, int rounds)
    {
        var a = teacher.Architecture;
        int m = model.FrameTimes.Length;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        teacher.Network.eval();
        var generator = new Generator(1234);
        var x = torch.randn(new long[] { b, a.Channels, a.Height, a.Width }, generator: generator);
        var xs = torch.randn(new long[] { (long)m * b, a.Channels, a.Height, a.Width }, generator: generator);
        var t = torch.rand(new long[] { b }, generator: generator);
        var ts = torch.rand(new long[] { (long)m * b }, generator: generator);
        var sliceTimes = torch.tensor(model.FrameTimes.Select(v => (float)v).ToArray()).repeat(b);

        var candidates = new (string Name, Action Call)[]
        {
            ("dsno", () => model.Generate(x).Dispose()),
            ("backboneB", () => teacher.Network.forward(x, t, null).Dispose()),
            ("backboneMB", () => teacher.Network.forward(xs, ts, null).Dispose()),
            ("noTemporal", () => model.Network.Backbone.forward(x, sliceTimes, null, m, null).Dispose()),
        };
        // Calls per measurement: enough for about 0.2 s, so that timer resolution and one-off stalls matter less.
        var repeats = candidates.ToDictionary(c => c.Name, c =>
        {
            c.Call();
            double once = Time(c.Call);
            return Math.Clamp((int)Math.Ceiling(0.2 / Math.Max(once, 1e-4)), 1, 50);
        });
        var samples = candidates.ToDictionary(c => c.Name, _ => new List<double>());
        for (int r = 0; r < rounds; r++)
            foreach (var c in candidates)
                samples[c.Name].Add(Time(() => { for (int i = 0; i < repeats[c.Name]; i++) c.Call(); }) / repeats[c.Name]);
        return new ForwardCost(b, m, Fastest(samples["dsno"]), Fastest(samples["backboneB"]), Fastest(samples["backboneMB"]), Fastest(samples["noTemporal"]),
            model.Network.ParameterCount, model.Network.Backbone.ParameterCount, model.Network.TemporalParameterCount);
    }

    private static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>The fastest round: load from other users only ever adds time, so the minimum is the least disturbed measurement.</summary>
    private static double Fastest(IReadOnlyList<double> values) => values.Min();

    /// <summary>The 1-minute load average, or NaN where /proc/loadavg is missing.</summary>
    public static double LoadAverage()
    {
        try { return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture); }
        catch (IOException) { return double.NaN; }
        catch (UnauthorizedAccessException) { return double.NaN; }
    }
}
