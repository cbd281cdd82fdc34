using Dsno.Runtime;
using Dsno.Diffusion;
using Dsno.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Bench;

/// <summary>
/// Stage 7: continuous-time decoding (the paper's appendix A.3). The DSNO models trained on the quadratic M = 4 grid (with sqrt-SNR and
/// with uniform loss weights) are decoded at the quadratic M = 8 grid, whose odd points they never saw, and compared with the reference
/// solve's frames there; DSNO M = 8 (trained at all eight) and linear interpolation of the teacher's own frames between the trained
/// times are the yardsticks.
/// </summary>
public static class DecodingStage
{
    /// <summary>Noises whose decoded frames are kept for the trajectory figure.</summary>
    public const int KeptTrajectories = 3;

    /// <summary>The M = 4 models decoded, in table order.</summary>
    public static readonly string[] DecodedIds = { "dsno-m4", "dsno-m4-uniform-weights" };

    /// <summary>File of a model's kept decoded frames [K, 8, C, H, W].</summary>
    public static string KeptFramesPath(BenchPaths paths, string id) => Path.Combine(paths.ResultFolder, $"decoded-frames-{id}.tensor");

    /// <summary>Computes the errors unless stored and newer than the decoded models.</summary>
    public static DecodingResult? Run(BenchConfig config, BenchPaths paths, EvaluationContext context, MethodGenerators generators)
    {
        var models = DecodedIds.Select(id => (Id: id, Model: generators.Dsno(id))).Where(m => m.Model is not null).ToList();
        if (models.Count == 0) return null;
        var previous = JsonFiles.Read<DecodingResult>(paths.Decoding);
        if (previous?.Models is not null && models.All(m => previous.Models.Any(p => p.Id == m.Id) && File.Exists(KeptFramesPath(paths, m.Id))
                && File.GetLastWriteTimeUtc(paths.Decoding) > File.GetLastWriteTimeUtc(paths.StudentModel(m.Id)))) return previous;

        var times = FrameTimes.Quadratic(8);
        var trainedTimes = FrameTimes.Quadratic(4);
        var trained = times.Select(t => trainedTimes.Any(u => Math.Abs(u - t) < 1e-9)).ToArray();
        var untrained = times.Where((_, i) => !trained[i]).ToArray();
        var plan = ContinuousTimeQuery.Plan(trainedTimes, times);
        bool samePlan = ContinuousTimeQuery.Plan(trainedTimes, untrained).SliceTimes.SequenceEqual(plan.SliceTimes);
        var m8 = generators.Dsno("dsno-m8");
        BenchLog.Info($"decoding: {string.Join(", ", models.Select(m => m.Id))} at the 8 quadratic times (refinement r = {plan.Refinement})");

        var onePass = models.Select(_ => new double[times.Length]).ToArray();
        var decoded = models.Select(_ => new double[times.Length]).ToArray();
        var kept = new Tensor?[models.Count];
        var dsnoM8 = new double[times.Length];
        var interpolation = new double[times.Length];
        var referenceIndex = torch.tensor(times.Select(t => (long)EvaluationContext.FrameIndex(t)).ToArray());
        int n = config.EvalSamples;
        int batchSize = Math.Max(KeptTrajectories, config.MaxSlicesPerForward / plan.SliceTimes.Length);
        var every = Enumerable.Range(0, times.Length).ToArray();
        for (int start = 0; start < n; start += batchSize)
        {
            int count = Math.Min(batchSize, n - start);
            using var scope = torch.NewDisposeScope();
            var noise = context.Noise.narrow(0, start, count);
            var target = context.ReferenceFrames.narrow(0, start, count).index_select(1, referenceIndex);   // [B, 8, C, H, W]
            for (int k = 0; k < models.Count; k++)
            {
                var model = models[k].Model!;
                var all = model.Decode(noise, null, times);
                if (start == 0) kept[k] = all.narrow(0, 0, KeptTrajectories).clone().DetachFromDisposeScope();
                Accumulate(decoded[k], all, target, every);
                Accumulate(onePass[k], model.Generate(noise), Select(target, trained, true), Indices(trained, true));
            }
            if (m8 is not null) Accumulate(dsnoM8, m8.Generate(noise), target, every);
            Accumulate(interpolation, Interpolate(target, times, trained), target, every);
        }
        for (int k = 0; k < models.Count; k++)
        {
            TensorFile.Write(KeptFramesPath(paths, models[k].Id), kept[k]!);
            kept[k]!.Dispose();
        }

        long pixels = (long)n * config.Architecture.Channels * config.Architecture.Height * config.Architecture.Width;
        double[] Rms(double[] sums, IEnumerable<int> valid)
        {
            var set = valid.ToHashSet();
            return sums.Select((s, i) => set.Contains(i) ? Math.Sqrt(s / pixels) : double.NaN).ToArray();
        }
        var result = new DecodingResult(times, trained, plan.Refinement, samePlan,
            models.Select((m, k) => new DecodedModel(m.Id, StudentSpec.Get(m.Id).Label, Rms(onePass[k], Indices(trained, true)), Rms(decoded[k], every))).ToList(),
            m8 is null ? times.Select(_ => double.NaN).ToArray() : Rms(dsnoM8, every), Rms(interpolation, every), n);
        JsonFiles.Write(paths.Decoding, result);
        return result;
    }

    private static IEnumerable<int> Indices(bool[] trained, bool value) => Enumerable.Range(0, trained.Length).Where(i => trained[i] == value);

    private static Tensor Select(Tensor frames, bool[] trained, bool value) =>
        frames.index_select(1, torch.tensor(Indices(trained, value).Select(i => (long)i).ToArray()));

    /// <summary>Adds the squared error of each predicted frame k to <paramref name="sums"/>[slots[k]].</summary>
    private static void Accumulate(double[] sums, Tensor predicted, Tensor target, IEnumerable<int> slots)
    {
        var perFrame = (predicted - target).Squared().sum(new long[] { 0, 2, 3, 4 }).to(ScalarType.Float64).data<double>().ToArray();
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
            frames.Add(target[.., above].Times(1 - w).Plus(target[.., below].Times(w)));
        }
        return torch.stack(frames, 1);
    }
}
