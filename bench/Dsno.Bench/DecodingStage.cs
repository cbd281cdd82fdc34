using Dsno.Diffusion;
using Dsno.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Bench;

/// <summary>
/// Stage 7: continuous-time decoding (the paper's appendix A.3). DSNO trained on the quadratic M = 4 grid is decoded at the
/// quadratic M = 8 grid, whose odd points it never saw, and compared with the reference solve's frames there; DSNO M = 8 (trained
/// at all eight) and linear interpolation of the teacher's own frames between the trained times are the yardsticks.
/// </summary>
public static class DecodingStage
{
    /// <summary>Noises whose decoded frames are kept for the trajectory figure.</summary>
    public const int KeptTrajectories = 4;

    /// <summary>File of the kept decoded frames [K, 8, C, H, W].</summary>
    public static string KeptFramesPath(BenchPaths paths) => Path.Combine(paths.ResultFolder, "decoded-frames.tensor");

    /// <summary>Computes the errors unless stored and newer than the M = 4 model.</summary>
    public static DecodingResult? Run(BenchConfig config, BenchPaths paths, EvaluationContext context, MethodGenerators generators)
    {
        var m4 = generators.Dsno("dsno-m4");
        if (m4 is null) return null;
        var previous = JsonFiles.Read<DecodingResult>(paths.Decoding);
        if (previous is not null && File.Exists(KeptFramesPath(paths))
            && File.GetLastWriteTimeUtc(paths.Decoding) > File.GetLastWriteTimeUtc(paths.StudentModel("dsno-m4"))) return previous;

        var times = FrameTimes.Quadratic(8);
        var trainedTimes = m4.FrameTimes;
        var trained = times.Select(t => trainedTimes.Any(u => Math.Abs(u - t) < 1e-9)).ToArray();
        var untrained = times.Where((_, i) => !trained[i]).ToArray();
        int refinement = ContinuousTimeQuery.Plan(trainedTimes, times).Refinement;
        var m8 = generators.Dsno("dsno-m8");
        BenchLog.Info($"decoding: DSNO M=4 at the 8 quadratic times (refinement r = {refinement})");

        var onePass = new double[times.Length];
        var decoded = new double[times.Length];
        var decodedUntrained = new double[times.Length];
        var dsnoM8 = new double[times.Length];
        var interpolation = new double[times.Length];
        var referenceIndex = torch.tensor(times.Select(t => (long)EvaluationContext.FrameIndex(t)).ToArray());
        int n = config.EvalSamples;
        Tensor? kept = null;
        for (int start = 0; start < n; start += config.EvalBatch)
        {
            int count = Math.Min(config.EvalBatch, n - start);
            using var scope = torch.NewDisposeScope();
            var noise = context.Noise.narrow(0, start, count);
            var target = context.ReferenceFrames.narrow(0, start, count).index_select(1, referenceIndex);   // [B, 8, C, H, W]

            var all = m4.Decode(noise, null, times);
            if (start == 0) kept = all.narrow(0, 0, KeptTrajectories).clone().DetachFromDisposeScope();
            Accumulate(decoded, all, target, Enumerable.Range(0, times.Length));
            var onlyUntrained = m4.Decode(noise, null, untrained);
            Accumulate(decodedUntrained, onlyUntrained, Select(target, trained, false), Indices(trained, false));
            Accumulate(onePass, m4.Generate(noise), Select(target, trained, true), Indices(trained, true));
            if (m8 is not null) Accumulate(dsnoM8, m8.Generate(noise), target, Enumerable.Range(0, times.Length));
            Accumulate(interpolation, Interpolate(target, times, trained), target, Enumerable.Range(0, times.Length));
        }
        TensorFile.Write(KeptFramesPath(paths), kept!);
        kept!.Dispose();

        long pixels = (long)n * config.Architecture.Channels * config.Architecture.Height * config.Architecture.Width;
        double[] Rms(double[] sums, IEnumerable<int> valid)
        {
            var set = valid.ToHashSet();
            return sums.Select((s, i) => set.Contains(i) ? Math.Sqrt(s / pixels) : double.NaN).ToArray();
        }
        var every = Enumerable.Range(0, times.Length).ToArray();
        var result = new DecodingResult(times, trained, Rms(onePass, Indices(trained, true)), Rms(decoded, every), Rms(decodedUntrained, Indices(trained, false)),
            refinement, m8 is null ? times.Select(_ => double.NaN).ToArray() : Rms(dsnoM8, every), Rms(interpolation, every), n);
        JsonFiles.Write(paths.Decoding, result);
        return result;
    }

    private static IEnumerable<int> Indices(bool[] trained, bool value) => Enumerable.Range(0, trained.Length).Where(i => trained[i] == value);

    private static Tensor Select(Tensor frames, bool[] trained, bool value) =>
        frames.index_select(1, torch.tensor(Indices(trained, value).Select(i => (long)i).ToArray()));

    /// <summary>Adds the squared error of each predicted frame k to <paramref name="sums"/>[slots[k]].</summary>
    private static void Accumulate(double[] sums, Tensor predicted, Tensor target, IEnumerable<int> slots)
    {
        var perFrame = (predicted - target).square().sum(new long[] { 0, 2, 3, 4 }).to(ScalarType.Float64).data<double>().ToArray();
        int k = 0;
        foreach (int slot in slots) sums[slot] += perFrame[k++];
    }

    /// <summary>Each frame replaced by linear interpolation in t of the trained frames around it (the nearest one above the first).</summary>
    private static Tensor Interpolate(Tensor target, double[] times, bool[] trained)
    {
        var known = Indices(trained, true).ToArray();
        var frames = new List<Tensor>();
        for (int i = 0; i < times.Length; i++)
        {
            if (trained[i]) { frames.Add(target[.., i]); continue; }
            int below = known.FirstOrDefault(k => times[k] < times[i], -1);
            int above = known.LastOrDefault(k => times[k] > times[i], -1);
            if (above < 0) { frames.Add(target[.., below]); continue; }
            double w = (times[above] - times[i]) / (times[above] - times[below]);
            frames.Add(target[.., above] * (1 - w) + target[.., below] * w);
        }
        return torch.stack(frames, 1);
    }
}
