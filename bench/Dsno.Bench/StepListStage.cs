using Dsno.Runtime;
using Dsno.Diffusion;
using Dsno.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Bench;

/// <summary>
/// Stage 5b: how much of each teacher solver's score is its step list. DDIM, DPM-Solver++(2M) and Heun each run at
/// <see cref="Steps"/> steps on the three lists of <see cref="StepTimes"/> (uniform in t, uniform in log-SNR, Karras rho = 7), on the
/// same held-out noises as the main table.
/// </summary>
public static class StepListStage
{
    /// <summary>Steps of every run (the step count of the issue's DPM-Solver++ goal).</summary>
    public const int Steps = 10;

    /// <summary>The solvers compared.</summary>
    public static readonly string[] Solvers = { Samplers.Ddim.Name, Samplers.DpmSolver2M.Name, Samplers.Heun.Name };

    /// <summary>The step lists compared.</summary>
    public static readonly string[] Lists = { "uniform", "log-snr", "karras" };

    /// <summary>Scores every solver on every list unless stored and newer than the reference solve.</summary>
    public static IReadOnlyList<StepListResult> Run(BenchConfig config, BenchPaths paths, EvaluationContext context, MethodGenerators generators)
    {
        var previous = JsonFiles.Read<StepListResult[]>(paths.StepLists);
        if (previous is not null && File.GetLastWriteTimeUtc(paths.StepLists) > File.GetLastWriteTimeUtc(paths.ReferenceFrames)) return previous;

        var teacher = generators.Teacher;
        var results = new List<StepListResult>();
        foreach (string solver in Solvers)
        {
            double[] defaults = teacher.DefaultStepTimes(solver, Steps);
            foreach (string list in Lists)
            {
                double[] times = Times(teacher.Schedule, list);
                var images = Solve(config, context, teacher, solver, times);
                using (images)
                {
                    var quality = SampleQuality.Evaluate(context.Classifier, images, context.ReferenceFeatures, context.ReferenceImages);
                    var result = new StepListResult(solver, list, times.SequenceEqual(defaults), Steps, Samplers.Evaluations(solver, Steps),
                        quality.FrechetDistance, quality.RmsToTeacher ?? double.NaN);
                    results.Add(result);
                    BenchLog.Info(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"step lists: {solver} {Steps} steps on {list}{(result.IsDefault ? " (default)" : "")}: FD {result.Fd:0.000}, RMS to teacher {result.RmsToTeacher:0.0000}"));
                }
            }
        }
        JsonFiles.Write(paths.StepLists, results.ToArray());
        return results;
    }

    /// <summary>The step list called <paramref name="list"/>.</summary>
    public static double[] Times(NoiseSchedule schedule, string list) => list switch
    {
        "uniform" => StepTimes.Uniform(Steps),
        "log-snr" => StepTimes.UniformLogSnr(schedule, Steps),
        "karras" => StepTimes.Karras(schedule, Steps),
        _ => throw new ArgumentOutOfRangeException(nameof(list), list, "expected uniform, log-snr or karras"),
    };

    private static Tensor Solve(BenchConfig config, EvaluationContext context, Dsno.Models.DiffusionTeacher teacher, string solver, double[] times)
    {
        var parts = new List<Tensor>();
        for (int start = 0; start < config.EvalSamples; start += config.EvalBatch)
        {
            using var scope = torch.NewDisposeScope();
            var noise = context.Noise.narrow(0, start, Math.Min(config.EvalBatch, config.EvalSamples - start));
            parts.Add(teacher.Solve(noise, null, solver, times).ClampTo(-1, 1).MoveToOuterDisposeScope());
        }
        var images = torch.cat(parts, 0);
        foreach (var p in parts) p.Dispose();
        return images;
    }
}
