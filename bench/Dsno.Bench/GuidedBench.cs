using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Dsno.Data;
using Dsno.Diffusion;
using Dsno.Metrics;
using Dsno.Models;
using Dsno.Networks;
using Dsno.Runtime;
using Dsno.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Bench;

/// <summary>
/// <c>guided</c>: classifier-free guidance on the digits, class-conditional. Trains a teacher with label dropout, makes guided DDIM
/// trajectories at each w (one DSNO per w: variant a) and over a range of w (one w-conditioned DSNO: variant b, once at the budget of one
/// model of a and once at the budget of all of them), and scores the guided teacher (DDIM-50, DPM-Solver++(2M)-10) and the DSNO
/// variants on the same held-out noises and balanced labels (<see cref="GuidedReportWriter"/> writes the report). Resumable: the teacher,
/// the classifier and each student are stored in the output folder.
/// </summary>
public static class GuidedBench
{
    private const int Classes = 10, TrajectorySteps = 50, GenerationBatch = 64;

    /// <summary>Sizes of one run.</summary>
    /// <param name="Ws">Guidance scales of the tables (variant b trains on [0, max]).</param>
    /// <param name="TeacherSteps">Teacher optimiser steps.</param>
    /// <param name="Trajectories">Trajectories of each model of variant (a), and of the shorter variant (b).</param>
    /// <param name="StudentSteps">Optimiser steps of each model of variant (a), and of the shorter variant (b).</param>
    /// <param name="Eval">Held-out noises scored per method and w.</param>
    /// <param name="Smoke">Tiny budgets to check the pipeline (numbers meaningless).</param>
    public sealed record Sizes(double[] Ws, int TeacherSteps, int Trajectories, int StudentSteps, int Eval, bool Smoke);

    /// <summary>Parses the <c>guided</c> command line and runs it; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        var ws = new Option<string>("--w") { Description = "Comma-separated guidance scales w >= 0 of the tables (default 0,0.5,1,2,4; the w-conditioned DSNO trains on [0, max])" };
        ws.Validators.Add(r =>
        {
            foreach (string v in r.GetValueOrDefault<string>()?.Split(',') ?? Array.Empty<string>())
                if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double w) || !double.IsFinite(w) || w < 0)
                    r.AddError($"--w: '{v}' is not a guidance scale (a finite number >= 0)");
        });
        var trajectories = new Option<int?>("--trajectories") { Description = "Guided DDIM-50 trajectories per model of variant (a) (default 1,024)" };
        var studentSteps = new Option<int?>("--student-steps") { Description = "Optimiser steps per model of variant (a) (default 500)" };
        var eval = new Option<int?>("--eval") { Description = "Held-out noises scored per method and w (default 500)" };
        var output = new Option<string?>("--out") { Description = "Folder of the stored teacher, classifier and students (default bench-out/guided-digits)" };
        var report = new Option<string>("--report") { Description = "Markdown file whose guided section is (re)written; the picture goes next to it", DefaultValueFactory = _ => "docs/benchmarks.md" };
        foreach (var count in new[] { trajectories, studentSteps, eval })
            count.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1 and var v) r.AddError($"{count.Name} must be at least 1, got {v}"); });
        var smoke = new Option<bool>("--smoke") { Description = "Tiny budgets that check the pipeline in a minute (files in guided-digits-smoke; numbers meaningless)" };
        var root = new RootCommand("Classifier-free guidance benchmark on the digits: the guided teacher against DSNO distilled per w and with w as an input")
        {
            ws, trajectories, studentSteps, eval, output, report, smoke,
        };
        root.SetAction(parse =>
        {
            bool isSmoke = parse.GetValue(smoke);
            double[] scales = parse.GetValue(ws) is { } list
                ? list.Split(',').Select(v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture)).Distinct().Order().ToArray()
                : isSmoke ? new[] { 0.0, 2.0 } : new[] { 0.0, 0.5, 1.0, 2.0, 4.0 };
            var sizes = new Sizes(scales, isSmoke ? 20 : 1500, parse.GetValue(trajectories) ?? (isSmoke ? 64 : 1024),
                parse.GetValue(studentSteps) ?? (isSmoke ? 10 : 500), parse.GetValue(eval) ?? (isSmoke ? 100 : 500), isSmoke);
            string folder = Path.GetFullPath(parse.GetValue(output) ?? (isSmoke ? "bench-out/guided-digits-smoke" : "bench-out/guided-digits"));
            string command = "dotnet run -c Release --project bench/Dsno.Bench -- guided " + string.Join(' ', args);
            return Run(sizes, folder, parse.GetValue(report)!, command);
        });
        return root.Parse(args).Invoke();
    }

    private static int Run(Sizes sizes, string folder, string reportPath, string command)
    {
        Directory.CreateDirectory(folder);
        torch.set_num_threads(1);
        var started = DateTime.Now;
        var clock = Stopwatch.StartNew();
        void Log(string message) => Console.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] {message}");

        var (train, test) = Digits.Load().Split(0.2, seed: 0);
        using var teacher = TrainOrLoadTeacher(train, folder, sizes, Log);
        var classifier = FeatureClassifier.TrainOrLoad(train, test, folder, new ClassifierOptions { Epochs = sizes.Smoke ? 1 : 30, BatchSize = 64 });
        Log("classifier: " + classifier.Description);
        using var referenceImages = test.ToTensor();
        var referenceFeatures = classifier.Features(referenceImages);

        var frameTimes = FrameTimes.Quadratic(4);
        double wMax = sizes.Ws.Max();
        var perW = sizes.Ws.ToDictionary(w => w, w => Student(teacher, folder, $"dsno-w{w.ToString("0.##", CultureInfo.InvariantCulture)}.bin", frameTimes, (w, w), false,
            sizes.Trajectories, sizes.StudentSteps, sizes.Smoke, Log));
        using var conditioned = Student(teacher, folder, "dsno-wcond.bin", frameTimes, (0, wMax), true, sizes.Trajectories, sizes.StudentSteps, sizes.Smoke, Log);
        // The budget of all the models of (a) together: as many trajectories (the first ones are the shorter run's) and as many steps.
        using var matched = Student(teacher, folder, "dsno-wcond-matched.bin", frameTimes, (0, wMax), true, sizes.Trajectories * sizes.Ws.Length,
            sizes.StudentSteps * sizes.Ws.Length, sizes.Smoke, Log);

        // Held-out noises (seed 2, disjoint from the records' seed 1) with balanced labels: row i asks for class i % 10.
        using var evalNoise = GaussianNoise.Sample(0, sizes.Eval, 1, 8, 8, seed: 2);
        using var evalLabels = torch.tensor(Enumerable.Range(0, sizes.Eval).Select(i => (long)(i % Classes)).ToArray());
        var rows = new List<GuidedResult>();
        foreach (double w in sizes.Ws)
        {
            rows.Add(Score(GuidedResult.Ddim50, w, Samplers.Evaluations("ddim", 50, w), b => teacher.Solve(b.Noise, b.Labels, b.W, "ddim", 50).Images));
            rows.Add(Score(GuidedResult.DpmSolver10, w, Samplers.Evaluations("dpm-solver-2m", 10, w), b => teacher.Solve(b.Noise, b.Labels, b.W, "dpm-solver-2m", 10).Images));
            rows.Add(Score(GuidedResult.PerW, w, 1, b => perW[w].Generate(b.Noise, b.Labels)[.., ^1]));
            rows.Add(Score(GuidedResult.Conditioned, w, 1, b => conditioned.Generate(b.Noise, b.Labels, b.W)[.., ^1]));
            rows.Add(Score(GuidedResult.ConditionedMatched, w, 1, b => matched.Generate(b.Noise, b.Labels, b.W)[.., ^1]));
            Log(string.Join("\n", rows.TakeLast(5).Select(r => "  " + r)));
        }
        foreach (var model in perW.Values) model.Dispose();
        using var floorImages = train.ToTensor();
        var floor = SampleQuality.Evaluate(classifier, floorImages, referenceFeatures);
        double floorAccuracy = classifier.Predict(referenceImages).Zip(test.Labels!).Average(p => p.First == p.Second ? 1.0 : 0.0);

        File.WriteAllText(Path.Combine(folder, "guided.json"), System.Text.Json.JsonSerializer.Serialize(rows));
        var writer = new GuidedReportWriter(sizes, rows, floor, floorAccuracy, classifier.Description, teacher.Network.ParameterCount,
            conditioned.Network.ParameterCount, command, started, clock.Elapsed);
        writer.Write(reportPath);
        Log($"guided: wrote the {GuidedReportWriter.Section(sizes)} section of {reportPath}");
        return 0;

        GuidedResult Score(string method, double w, int evaluations, Func<(Tensor Noise, Tensor Labels, Tensor W), Tensor> generate)
        {
            var watch = Stopwatch.StartNew();
            var parts = new List<Tensor>();
            using (torch.no_grad())
            {
                for (int start = 0; start < sizes.Eval; start += GenerationBatch)
                {
                    int n = Math.Min(GenerationBatch, sizes.Eval - start);
                    using var scope = torch.NewDisposeScope();
                    var scales = torch.full(new long[] { n }, Scalars.Of(w), dtype: ScalarType.Float32);
                    parts.Add(generate((evalNoise[start..(start + n)], evalLabels[start..(start + n)], scales)).ClampTo(-1.0, 1.0).MoveToOuterDisposeScope());
                }
            }
            watch.Stop();
            using var images = torch.cat(parts, 0);
            foreach (var p in parts) p.Dispose();
            var quality = SampleQuality.Evaluate(classifier, images, referenceFeatures);
            double accuracy = classifier.Predict(images).Select((p, i) => p == i % Classes ? 1.0 : 0.0).Average();
            return new GuidedResult(method, w, evaluations, quality.FrechetDistance, quality.Precision, quality.Recall, accuracy, watch.Elapsed.TotalSeconds / sizes.Eval * 1000);
        }
    }

    /// <summary>The teacher's architecture: class-conditional with a null class for label dropout.</summary>
    internal static UNetOptions Architecture { get; } = new()
    {
        Channels = 1, Height = 8, Width = 8, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 1,
        AttentionResolutions = new[] { 4 }, Dropout = 0.1, NumClasses = Classes, NullClass = true,
    };

    /// <summary>The stored teacher, or a new one trained with label dropout 0.1 and stored.</summary>
    private static DiffusionTeacher TrainOrLoadTeacher(ImageSet train, string folder, Sizes sizes, Action<string> log)
    {
        string path = Path.Combine(folder, "teacher.bin");
        if (File.Exists(path))
        {
            using var stream = File.OpenRead(path);
            return DiffusionTeacher.Load(stream, what: path);
        }
        var teacher = new DiffusionTeacher(Architecture, seed: 0);
        var watch = Stopwatch.StartNew();
        teacher.Train(train, new TrainingOptions
            {
                Steps = sizes.TeacherSteps, BatchSize = 64, LearningRate = 1e-3, WarmupSteps = sizes.Smoke ? 2 : 100, EmaDecay = sizes.Smoke ? 0.9 : 0.999, Seed = 0, Threads = 1,
            },
            0.1, new Progress<TrainingProgress>(p => { if (p.Step % 250 == 0) log($"teacher step {p.Step}/{p.TotalSteps} loss {p.Loss:0.0000}"); }));
        log($"teacher trained in {watch.Elapsed.TotalMinutes:0.0} min");
        AtomicFile.Write(path, teacher.Save);
        return teacher;
    }

    /// <summary>
    /// The stored student, or a new one: <paramref name="count"/> guided DDIM-50 trajectories from noise seed 1 with uniform random
    /// labels, w fixed (variant a) or drawn per record from <paramref name="range"/> (variant b), then <paramref name="steps"/> steps.
    /// Record i depends only on i, so a longer run's first records are a shorter run's.
    /// </summary>
    private static DsnoModel Student(DiffusionTeacher teacher, string folder, string name, IReadOnlyList<double> frameTimes, (double Min, double Max) range,
        bool wConditioned, int count, int steps, bool smoke, Action<string> log)
    {
        string path = Path.Combine(folder, name);
        if (File.Exists(path))
        {
            using var stream = File.OpenRead(path);
            return DsnoModel.Load(stream, what: path);
        }
        var watch = Stopwatch.StartNew();
        // Handed to the records below, which dispose them.
        var labels = torch.tensor(GaussianNoise.Labels(0, count, Classes, 1).Select(l => (long)l).ToArray());
        var noise = GaussianNoise.Sample(0, count, 1, 8, 8, seed: 1);
        var w = wConditioned
            ? torch.tensor(Enumerable.Range(0, count).Select(i => (float)(range.Min + (range.Max - range.Min) * ((SeedMix.Mix(1, i, 29) >> 11) * (1.0 / (1UL << 53))))).ToArray())
            : torch.full(new long[] { count }, Scalars.Of(range.Min), dtype: ScalarType.Float32);
        var frames = new List<Tensor>();
        for (int start = 0; start < count; start += GenerationBatch)
        {
            int n = Math.Min(GenerationBatch, count - start);
            using var scope = torch.NewDisposeScope();
            var (_, f) = teacher.Solve(noise[start..(start + n)], labels[start..(start + n)], w[start..(start + n)], "ddim", TrajectorySteps, frameTimes);
            frames.Add(f!.MoveToOuterDisposeScope());
        }
        var generation = watch.Elapsed;
        using var records = new TrajectoryBatch(noise, torch.cat(frames, 0), labels, w, 0);
        foreach (var f in frames) f.Dispose();
        using var source = new InMemoryTrajectories(records, new TrajectoryLayout(1, 8, 8, frameTimes.ToArray(), FrameKind.Denoised, Classes));
        DsnoModel model;
        if (wConditioned) model = DsnoModel.FromTeacherWithGuidance(teacher, frameTimes, range.Min, range.Max, seed: 0);
        // The network is handed over to the guided model, which owns it from here.
        else model = new DsnoModel(DsnoModel.FromTeacher(teacher, frameTimes, seed: 0).Network, teacher.Schedule) { GuidanceScale = range.Min };
        model.Train(source, new TrainingOptions { Steps = steps, BatchSize = 32, LearningRate = 5e-4, WarmupSteps = smoke ? 2 : 80, EmaDecay = smoke ? 0.9 : 0.995, Seed = 0, Threads = 1 });
        log(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {count} guided DDIM-{TrajectorySteps} trajectories in {generation.TotalMinutes:0.0} min, {steps} training steps in {(watch.Elapsed - generation).TotalMinutes:0.0} min"));
        AtomicFile.Write(path, model.Save);
        return model;
    }
}
