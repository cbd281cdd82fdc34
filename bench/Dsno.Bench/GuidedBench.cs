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
/// <c>guided</c>: classifier-free guidance on the digits or Fashion-MNIST 16x16 (<see cref="GuidedDataset"/>), class-conditional. Trains a teacher with label dropout, makes guided DDIM
/// trajectories at each w (one DSNO per w: variant a) and over a range of w (one w-conditioned DSNO: variant b, once at the budget of one
/// model of a and once at the budget of all of them), and scores the guided teacher (DDIM-50, DPM-Solver++(2M)-10) and the DSNO
/// variants on the same held-out noises and balanced labels (<see cref="GuidedReportWriter"/> writes the report). Resumable: the teacher,
/// the classifier and each student are stored in the output folder.
/// </summary>
public static class GuidedBench
{
    private const int Classes = 10, TrajectorySteps = 50, GenerationBatch = 64;

    /// <summary>Sizes of one run.</summary>
    /// <param name="Dataset">Data set key (<see cref="GuidedDataset.Names"/>).</param>
    /// <param name="Ws">Guidance scales of the tables (variant b trains on [0, max]).</param>
    /// <param name="TeacherSteps">Teacher optimiser steps.</param>
    /// <param name="Trajectories">Trajectories of each model of variant (a), and of the shorter variant (b).</param>
    /// <param name="StudentSteps">Optimiser steps of each model of variant (a), and of the shorter variant (b).</param>
    /// <param name="Eval">Held-out noises scored per method and w.</param>
    /// <param name="Threads">Torch threads.</param>
    /// <param name="Smoke">Tiny budgets to check the pipeline (numbers meaningless).</param>
    /// <param name="Frames">M, the frames of the records and the students: the quadratic grid (<see cref="FrameTimes.Quadratic"/>).</param>
    /// <param name="WPower">Variant (b)'s records draw w = max u^p for u uniform in [0, 1): p = 1 is uniform, p = 2 puts half the records
    /// below max / 4.</param>
    public sealed record Sizes(string Dataset, double[] Ws, int TeacherSteps, int Trajectories, int StudentSteps, int Eval, int Threads, bool Smoke, int Frames = 4,
        int WPower = 1)
    {
        /// <summary>The records' and students' frame times.</summary>
        public IReadOnlyList<double> FrameGrid => FrameTimes.Quadratic(Frames);

        /// <summary>
        /// Suffix of the output folder and report section: empty at the defaults, <c>-mM</c> when M is not 4, <c>-wpowP</c> when p is
        /// not 1.
        /// </summary>
        public string Suffix => (Frames == 4 ? "" : "-m" + Frames) + (WPower == 1 ? "" : "-wpow" + WPower);

        /// <summary>The w of variant (b)'s record <paramref name="index"/> in [0, <paramref name="max"/>).</summary>
        public double DrawW(int index, double max) => max * Math.Pow(GaussianNoise.GuidanceUniform(index, seed: 1), WPower);
    }

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
        var dataset = new Option<string>("--dataset") { Description = "Data set: digits (8x8) or fashion16 (Fashion-MNIST 16x16)", DefaultValueFactory = _ => "digits" };
        dataset.AcceptOnlyFromAmong(GuidedDataset.Names.ToArray());
        var trajectories = new Option<int?>("--trajectories") { Description = "Guided DDIM-50 trajectories per model of variant (a) (default 1,024 on the digits, 512 on fashion16)" };
        var studentSteps = new Option<int?>("--student-steps") { Description = "Optimiser steps per model of variant (a) (default 500)" };
        var eval = new Option<int?>("--eval") { Description = "Held-out noises scored per method and w (default 500)" };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default 1)" };
        var frames = new Option<int?>("--frames") { Description = "M, frames of the records and the students on the quadratic grid (default 4; a DSNO pass costs about M evaluations' worth)" };
        var output = new Option<string?>("--out") { Description = "Folder of the stored teacher, classifier and students (default bench-out/guided-DATASET)" };
        var report = new Option<string>("--report") { Description = "Markdown file whose guided section is (re)written; the picture goes next to it", DefaultValueFactory = _ => "docs/benchmarks.md" };
        foreach (var count in new[] { trajectories, studentSteps, eval, threads })
            count.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1 and var v) r.AddError($"{count.Name} must be at least 1, got {v}"); });
        frames.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 2 and var v) r.AddError($"--frames must be at least 2, got {v}"); });
        var wPower = new Option<int?>("--w-power") { Description = "Variant (b)'s records draw w = max u^p, u uniform: p = 1 (default) is uniform, 2 puts more records at low w" };
        wPower.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1 and var v) r.AddError($"--w-power must be at least 1, got {v}"); });
        var smoke = new Option<bool>("--smoke") { Description = "Tiny budgets that check the pipeline in a minute (files in guided-DATASET-smoke; numbers meaningless)" };
        var reportOnly = new Option<bool>("--report-only") { Description = "Rewrite the section from the rows a finished run stored (guided.json in the output folder) without scoring again" };
        var root = new RootCommand("Classifier-free guidance benchmark: the guided teacher against DSNO distilled per w and with w as an input")
        {
            dataset, ws, trajectories, studentSteps, eval, threads, frames, wPower, output, report, smoke, reportOnly,
        };
        root.SetAction(parse =>
        {
            bool isSmoke = parse.GetValue(smoke);
            string name = parse.GetValue(dataset)!;
            var data = GuidedDataset.Load(name, isSmoke, parse.GetValue(threads) ?? 1, "bench-out");
            var sizes = data.Defaults with
            {
                Ws = parse.GetValue(ws) is { } list
                    ? list.Split(',').Select(v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture)).Distinct().Order().ToArray()
                    : data.Defaults.Ws,
                Trajectories = parse.GetValue(trajectories) ?? data.Defaults.Trajectories,
                StudentSteps = parse.GetValue(studentSteps) ?? data.Defaults.StudentSteps,
                Eval = parse.GetValue(eval) ?? data.Defaults.Eval,
                Frames = parse.GetValue(frames) ?? data.Defaults.Frames,
                WPower = parse.GetValue(wPower) ?? data.Defaults.WPower,
            };
            string folder = Path.GetFullPath(parse.GetValue(output) ?? $"bench-out/guided-{name}{sizes.Suffix}{(isSmoke ? "-smoke" : "")}");
            string command = "dotnet run -c Release --project bench/Dsno.Bench -- guided " + string.Join(' ', args);
            return Run(data, sizes, folder, parse.GetValue(report)!, command, parse.GetValue(reportOnly));
        });
        return root.Parse(args).Invoke();
    }

    private static int Run(GuidedDataset dataset, Sizes sizes, string folder, string reportPath, string command, bool reportOnly)
    {
        string stored = Path.Combine(folder, GuidedRun.FileName);
        if (reportOnly && !File.Exists(stored))
        {
            Console.Error.WriteLine($"--report-only: '{stored}' does not exist; run the benchmark without --report-only first");
            return 1;
        }
        Directory.CreateDirectory(folder);
        torch.set_num_threads(sizes.Threads);
        var started = DateTime.Now;
        var clock = Stopwatch.StartNew();
        void Log(string message) => Console.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] {message}");

        var data = dataset.Data;
        using var teacher = TrainOrLoadTeacher(dataset, folder, sizes, Log);
        var classifier = FeatureClassifier.TrainOrLoad(data.Train, data.Test, folder, dataset.Classifier);
        Log("classifier: " + classifier.Description);
        using var referenceImages = data.Reference.ToTensor();
        var referenceFeatures = classifier.Features(referenceImages);

        double wMax = sizes.Ws.Max();
        int k = sizes.Ws.Length;
        var perW = sizes.Ws.ToDictionary(w => w, w => Student(teacher, dataset, folder, $"dsno-w{w.ToString("0.##", CultureInfo.InvariantCulture)}.bin", w, false, sizes.StudentSteps,
            () => Records(teacher, dataset, sizes, (w, w), false, sizes.Trajectories, Log), sizes, Log));
        // Variant (b) twice: at one model's budget of (a) and at the budget of all of them together. The shorter run's records are the
        // first of the longer run's, so the records are solved once, as many as the models still to train need.
        string conditionedPath = Path.Combine(folder, "dsno-wcond.bin"), matchedPath = Path.Combine(folder, "dsno-wcond-matched.bin");
        var records = new Lazy<TrajectoryBatch>(() => Records(teacher, dataset, sizes, (0, wMax), true,
            File.Exists(matchedPath) ? sizes.Trajectories : sizes.Trajectories * k, Log));
        using var conditioned = Student(teacher, dataset, folder, Path.GetFileName(conditionedPath), wMax, true, sizes.StudentSteps,
            () => First(records.Value, sizes.Trajectories), sizes, Log);
        using var matched = Student(teacher, dataset, folder, Path.GetFileName(matchedPath), wMax, true, sizes.StudentSteps * k,
            () => First(records.Value, sizes.Trajectories * k), sizes, Log);
        if (records.IsValueCreated) records.Value.Dispose();

        // Held-out noises (seed 2, disjoint from the records' seed 1) with balanced labels: row i asks for class i % 10.
        var shape = dataset.Architecture;
        using var evalNoise = GaussianNoise.Sample(0, sizes.Eval, shape.Channels, shape.Height, shape.Width, seed: 2);
        using var evalLabels = torch.tensor(Enumerable.Range(0, sizes.Eval).Select(i => (long)(i % Classes)).ToArray());
        var rows = new List<GuidedResult>();
        foreach (double w in reportOnly ? Array.Empty<double>() : sizes.Ws)
        {
            rows.Add(Score(GuidedResult.Ddim50, w, Samplers.Evaluations("ddim", 50, w), b => teacher.Solve(b.Noise, b.Labels, b.W, "ddim", 50).Images));
            rows.Add(Score(GuidedResult.DpmSolver10, w, Samplers.Evaluations("dpm-solver-2m", 10, w), b => teacher.Solve(b.Noise, b.Labels, b.W, "dpm-solver-2m", 10).Images));
            rows.Add(Score(GuidedResult.PerW, w, 1, b => perW[w].Generate(b.Noise, b.Labels)[.., ^1]));
            rows.Add(Score(GuidedResult.Conditioned, w, 1, b => conditioned.Generate(b.Noise, b.Labels, b.W)[.., ^1]));
            rows.Add(Score(GuidedResult.ConditionedMatched, w, 1, b => matched.Generate(b.Noise, b.Labels, b.W)[.., ^1]));
            Log(string.Join("\n", rows.TakeLast(5).Select(r => "  " + r)));
        }
        foreach (var model in perW.Values) model.Dispose();
        using var floorImages = data.Floor.ToTensor();
        var floor = SampleQuality.Evaluate(classifier, floorImages, referenceFeatures);
        double floorAccuracy = classifier.Predict(referenceImages).Zip(data.Reference.Labels!).Average(p => p.First == p.Second ? 1.0 : 0.0);

        GuidedRun run;
        if (reportOnly)
        {
            run = System.Text.Json.JsonSerializer.Deserialize<GuidedRun>(File.ReadAllText(stored))
                  ?? throw new InvalidDataException($"'{stored}' holds no guided run");
            if (!run.Rows.Select(r => r.W).Distinct().Order().SequenceEqual(sizes.Ws))
                throw new InvalidDataException($"'{stored}' was scored at w = {string.Join(", ", run.Rows.Select(r => r.W).Distinct())}, not at the --w of this command");
        }
        else
        {
            run = new GuidedRun(command, started, clock.Elapsed.TotalMinutes, rows);
            AtomicFile.Write(stored, stream => System.Text.Json.JsonSerializer.Serialize(stream, run));
        }
        var writer = new GuidedReportWriter(dataset, sizes, run, reportOnly ? command : null, floor, floorAccuracy, classifier.Description,
            teacher.Network.ParameterCount, conditioned.Network.ParameterCount);
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

    /// <summary>The stored teacher, or a new one trained with label dropout 0.1 and stored.</summary>
    private static DiffusionTeacher TrainOrLoadTeacher(GuidedDataset dataset, string folder, Sizes sizes, Action<string> log)
    {
        string path = Path.Combine(folder, "teacher.bin");
        if (File.Exists(path))
        {
            using var stream = File.OpenRead(path);
            return DiffusionTeacher.Load(stream, what: path);
        }
        var teacher = new DiffusionTeacher(dataset.Architecture, seed: 0);
        var watch = Stopwatch.StartNew();
        teacher.Train(dataset.Data.Train, new TrainingOptions
            {
                Steps = sizes.TeacherSteps, BatchSize = dataset.TeacherBatch, LearningRate = dataset.TeacherLearningRate, WarmupSteps = sizes.Smoke ? 2 : 100,
                EmaDecay = sizes.Smoke ? 0.9 : 0.999, Seed = 0, Threads = sizes.Threads,
            },
            0.1, new Progress<TrainingProgress>(p => { if (p.Step % 250 == 0) log($"teacher step {p.Step}/{p.TotalSteps} loss {p.Loss:0.0000}"); }));
        log($"teacher trained in {watch.Elapsed.TotalMinutes:0.0} min");
        AtomicFile.Write(path, teacher.Save);
        return teacher;
    }

    /// <summary>
    /// <paramref name="count"/> guided DDIM-50 trajectories from noise seed 1 with uniform random labels, w fixed (variant a) or drawn per
    /// record from <paramref name="range"/> (variant b). Record i depends only on i, so a longer run's first records are a shorter run's.
    /// </summary>
    private static TrajectoryBatch Records(DiffusionTeacher teacher, GuidedDataset dataset, Sizes sizes, (double Min, double Max) range,
        bool wConditioned, int count, Action<string> log)
    {
        var watch = Stopwatch.StartNew();
        var shape = dataset.Architecture;
        // Handed to the records below, which dispose them.
        var labels = torch.tensor(GaussianNoise.Labels(0, count, Classes, 1).Select(l => (long)l).ToArray());
        var noise = GaussianNoise.Sample(0, count, shape.Channels, shape.Height, shape.Width, seed: 1);
        var w = wConditioned
            ? torch.tensor(Enumerable.Range(0, count).Select(i => (float)(range.Min + sizes.DrawW(i, range.Max - range.Min))).ToArray())
            : torch.full(new long[] { count }, Scalars.Of(range.Min), dtype: ScalarType.Float32);
        var frames = new List<Tensor>();
        for (int start = 0; start < count; start += GenerationBatch)
        {
            int n = Math.Min(GenerationBatch, count - start);
            using var scope = torch.NewDisposeScope();
            var (_, f) = teacher.Solve(noise[start..(start + n)], labels[start..(start + n)], w[start..(start + n)], "ddim", TrajectorySteps, sizes.FrameGrid);
            frames.Add(f!.MoveToOuterDisposeScope());
        }
        var records = new TrajectoryBatch(noise, torch.cat(frames, 0), labels, w, 0);
        foreach (var f in frames) f.Dispose();
        log(string.Create(CultureInfo.InvariantCulture, $"{count} guided DDIM-{TrajectorySteps} trajectories, w in [{range.Min}, {range.Max}], in {watch.Elapsed.TotalMinutes:0.0} min"));
        return records;
    }

    /// <summary>The first <paramref name="count"/> records of <paramref name="records"/>, as views (disposing them leaves the whole intact).</summary>
    private static TrajectoryBatch First(TrajectoryBatch records, int count) =>
        new(records.Noise[..count], records.Frames[..count], records.Labels?[..count], records.Guidance?[..count], 0);

    /// <summary>
    /// The stored student, or a new one trained for <paramref name="steps"/> steps on the records <paramref name="records"/> hands over
    /// (this method disposes them): a DSNO at the fixed <paramref name="w"/> (variant a) or with w as an input over [0, <paramref name="w"/>] (b).
    /// </summary>
    private static DsnoModel Student(DiffusionTeacher teacher, GuidedDataset dataset, string folder, string name, double w, bool wConditioned, int steps,
        Func<TrajectoryBatch> records, Sizes sizes, Action<string> log)
    {
        string path = Path.Combine(folder, name);
        if (File.Exists(path))
        {
            using var stream = File.OpenRead(path);
            return DsnoModel.Load(stream, what: path);
        }
        var batch = records();
        var shape = dataset.Architecture;
        using var source = new InMemoryTrajectories(batch, new TrajectoryLayout(shape.Channels, shape.Height, shape.Width, sizes.FrameGrid.ToArray(), FrameKind.Denoised, Classes));
        DsnoModel model;
        if (wConditioned) model = DsnoModel.FromTeacherWithGuidance(teacher, sizes.FrameGrid, 0, w, seed: 0);
        // The network is handed over to the guided model, which owns it from here.
        else model = new DsnoModel(DsnoModel.FromTeacher(teacher, sizes.FrameGrid, seed: 0).Network, teacher.Schedule) { GuidanceScale = w };
        var watch = Stopwatch.StartNew();
        model.Train(source, new TrainingOptions
        {
            Steps = steps, BatchSize = dataset.StudentBatch, LearningRate = 5e-4, WarmupSteps = sizes.Smoke ? 2 : 80, EmaDecay = sizes.Smoke ? 0.9 : 0.995, Seed = 0,
            Threads = sizes.Threads,
        });
        log(string.Create(CultureInfo.InvariantCulture, $"{name}: {batch.Count} records, {steps} training steps in {watch.Elapsed.TotalMinutes:0.0} min"));
        AtomicFile.Write(path, model.Save);
        return model;
    }
}
