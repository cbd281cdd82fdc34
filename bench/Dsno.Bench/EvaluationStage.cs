using Dsno.Runtime;
using Dsno.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Bench;

/// <summary>Stage 4: scores every method on the held-out noises; a method whose result file exists is skipped.</summary>
public static class EvaluationStage
{
    /// <summary>Images kept per method for the sample figure.</summary>
    public const int KeptSamples = 16;

    /// <summary>Evaluates the methods that have no result yet.</summary>
    public static void Run(BenchConfig config, BenchPaths paths, EvaluationContext context, MethodGenerators generators)
    {
        foreach (var method in MethodSpec.All(config))
        {
            string path = paths.MethodResult(method.Id);
            if (File.Exists(path) && File.Exists(paths.MethodSamples(method.Id)) && !IsStale(paths, method, path)) continue;
            if (!generators.Available(method))
            {
                BenchLog.Info($"evaluation {method.Id}: no trained model, skipping");
                continue;
            }
            var result = Evaluate(config, paths, context, generators, method);
            JsonFiles.Write(path, result);
            BenchLog.Info($"evaluation {method.Id}: {Describe(result)}");
        }
    }

    private static bool IsStale(BenchPaths paths, MethodSpec method, string resultPath)
    {
        string source = method.StudentId is null ? paths.ReferenceFrames : paths.StudentModel(method.StudentId);
        return File.Exists(source) && File.GetLastWriteTimeUtc(source) > File.GetLastWriteTimeUtc(resultPath);
    }

    private static string Describe(MethodResult r) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"FD {r.Fd:0.000}, KID {r.Kid:0.0000}, precision {r.Precision:0.000}, recall {r.Recall:0.000}, RMS to teacher {r.RmsToTeacher:0.0000}, {r.Evaluations} evaluations, {r.GenerationSeconds:0.0} s");

    private static MethodResult Evaluate(BenchConfig config, BenchPaths paths, EvaluationContext context, MethodGenerators generators, MethodSpec method)
    {
        int n = config.EvalSamples;
        var student = method.StudentId is null ? null : StudentSpec.Get(method.StudentId);
        var dsno = student is { IsDsno: true } ? generators.Dsno(student.Id) : null;
        var frameIndex = dsno is null ? null : torch.tensor(student!.Times.Select(t => (long)EvaluationContext.FrameIndex(t)).ToArray());
        var squaredFrameError = dsno is null ? null : new double[student!.M];
        var clock = new System.Diagnostics.Stopwatch();
        int evaluations = 0;
        Tensor images;

        if (method.IsReference)
        {
            images = context.ReferenceImages.clone();
            var info = JsonFiles.Read<ReferenceSummary>(paths.ReferenceInfo);
            evaluations = info?.Evaluations ?? 0;
        }
        else
        {
            var parts = new List<Tensor>();
            int batchSize = dsno is null ? config.EvalBatch : Math.Max(1, config.MaxSlicesPerForward / student!.M);
            for (int start = 0; start < n; start += batchSize)
            {
                int count = Math.Min(batchSize, n - start);
                using var scope = torch.NewDisposeScope();
                var noise = context.Noise.narrow(0, start, count);
                Tensor batch;
                if (dsno is null)
                {
                    clock.Start();
                    (batch, evaluations) = generators.Generate(method, noise);
                    clock.Stop();
                }
                else
                {
                    // One forward pass gives the whole trajectory: score every frame against the reference frames at the same times.
                    long before = dsno.Evaluations;
                    clock.Start();
                    var frames = dsno.Generate(noise);
                    clock.Stop();
                    evaluations = (int)(dsno.Evaluations - before);
                    batch = frames[.., ^1].ClampTo(-1, 1);
                    var target = context.ReferenceFrames.narrow(0, start, count).index_select(1, frameIndex!);
                    var perFrame = (frames - target).Squared().sum(new long[] { 0, 2, 3, 4 }).to(ScalarType.Float64);
                    for (int j = 0; j < squaredFrameError!.Length; j++) squaredFrameError[j] += perFrame[j].item<double>();
                }
                parts.Add(batch.MoveToOuterDisposeScope());
            }
            images = torch.cat(parts, 0);
            foreach (var p in parts) p.Dispose();
        }

        using (images)
        {
            TensorFile.Write(paths.MethodSamples(method.Id), images.narrow(0, 0, KeptSamples));
            var quality = SampleQuality.Evaluate(context.Classifier, images, context.ReferenceFeatures, context.ReferenceImages);
            long pixelsPerFrame = images.numel();
            return new MethodResult(method.Id, method.Label, evaluations, generators.Parameters(method), quality.FrechetDistance, quality.KernelDistance,
                quality.KernelDistanceStd, quality.Precision, quality.Recall, quality.RmsToTeacher ?? double.NaN, n,
                method.IsReference ? JsonFiles.Read<ReferenceSummary>(paths.ReferenceInfo)?.Seconds ?? double.NaN : clock.Elapsed.TotalSeconds,
                dsno is null ? null : student!.Times, squaredFrameError?.Select(s => Math.Sqrt(s / pixelsPerFrame)).ToArray());
        }
    }
}
