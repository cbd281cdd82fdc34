using System.Diagnostics;
using System.Globalization;
using System.Text;
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
/// trajectories at each w (one DSNO per w: variant a) and over a range of w (one w-conditioned DSNO: variant b), and scores the
/// guided teacher (DDIM-50, DPM-Solver++(2M)-10) and both DSNO variants on the same held-out noises and balanced labels: FD,
/// precision and recall in the project's classifier's feature space, the share of samples the classifier assigns to the requested
/// class, and the time per 1,000 images. Resumable: the teacher, the classifier and each student are stored in the output folder.
/// </summary>
public static class GuidedBench
{
    private sealed record Row(string Method, double W, int Evaluations, double Fd, double Precision, double Recall, double ClassAccuracy, double SecondsPer1000);

    public static int Run(string[] args)
    {
        bool smoke = args.Contains("--smoke");
        string folder = Path.GetFullPath(ArgumentAfter(args, "--out") ?? (smoke ? "bench-out/guided-digits-smoke" : "bench-out/guided-digits"));
        Directory.CreateDirectory(folder);
        torch.set_num_threads(1);
        var ws = ArgumentAfter(args, "--w") is { } list
            ? list.Split(',').Select(v => ClassifierFreeGuidance.Check(double.Parse(v, CultureInfo.InvariantCulture), "--w")).ToArray()
            : smoke ? new[] { 0.0, 2.0 } : new[] { 0.0, 1.0, 3.0 };
        double wMax = ws.Max();
        int teacherSteps = smoke ? 20 : 1500;
        int trajectoryCount = IntAfter(args, "--trajectories") ?? (smoke ? 64 : 1024);
        int studentSteps = IntAfter(args, "--student-steps") ?? (smoke ? 10 : 500);
        int evalCount = IntAfter(args, "--eval") ?? (smoke ? 100 : 500);
        const int TrajectorySteps = 50, Classes = 10;
        var clock = Stopwatch.StartNew();
        void Log(string message) => Console.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] {message}");

        var (train, test) = Digits.Load().Split(0.2, seed: 0);
        var architecture = new UNetOptions
        {
            Channels = 1, Height = 8, Width = 8, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 1,
            AttentionResolutions = new[] { 4 }, Dropout = 0.1, NumClasses = Classes, NullClass = true,
        };

        // Teacher with label dropout 0.1 (stored).
        string teacherPath = Path.Combine(folder, "teacher.bin");
        DiffusionTeacher teacher;
        if (File.Exists(teacherPath))
        {
            using var stream = File.OpenRead(teacherPath);
            teacher = DiffusionTeacher.Load(stream);
        }
        else
        {
            teacher = new DiffusionTeacher(architecture, seed: 0);
            var t0 = clock.Elapsed;
            teacher.Train(train, new TrainingOptions { Steps = teacherSteps, BatchSize = 64, LearningRate = 1e-3, WarmupSteps = smoke ? 2 : 100, EmaDecay = smoke ? 0.9 : 0.999, Seed = 0, Threads = 1 },
                0.1, new Progress<TrainingProgress>(p => { if (p.Step % 250 == 0) Log($"teacher step {p.Step}/{p.TotalSteps} loss {p.Loss:0.0000}"); }));
            Log($"teacher trained in {(clock.Elapsed - t0).TotalMinutes:0.0} min");
            string temp = teacherPath + ".tmp";
            using (var stream = File.Create(temp)) teacher.Save(stream);
            File.Move(temp, teacherPath, overwrite: true);
        }

        var classifier = FeatureClassifier.TrainOrLoad(train, test, folder, new ClassifierOptions { Epochs = smoke ? 1 : 30, BatchSize = 64 });
        Log("classifier: " + classifier.Description);
        using var referenceImages = test.ToTensor();
        var referenceFeatures = classifier.Features(referenceImages);

        // Held-out noises (seed 2, disjoint from the records' seed 1) with balanced labels: row i asks for class i % 10.
        using var evalNoise = GaussianNoise.Sample(0, evalCount, 1, 8, 8, seed: 2);
        using var evalLabels = torch.tensor(Enumerable.Range(0, evalCount).Select(i => (long)(i % Classes)).ToArray());
        var frameTimes = FrameTimes.Quadratic(4);

        // Variant (b): one DSNO on trajectories whose w is drawn per record from [0, wMax].
        var rows = new List<Row>();
        var students = new Dictionary<double, DsnoModel>();
        foreach (double w in ws)
            students[w] = Student(teacher, $"dsno-w{w:0.##}.bin", w, w, false);
        var conditioned = Student(teacher, "dsno-wcond.bin", 0, wMax, true);

        foreach (double w in ws)
        {
            var wTensor = torch.full(new long[] { evalCount }, Scalars.Of(w), dtype: ScalarType.Float32);
            rows.Add(Score($"Teacher DDIM-50 (guided)", w, Samplers.Evaluations("ddim", 50, w), () => SolveBatches("ddim", 50, w)));
            rows.Add(Score($"Teacher DPM-Solver++(2M)-10 (guided)", w, Samplers.Evaluations("dpm-solver-2m", 10, w), () => SolveBatches("dpm-solver-2m", 10, w)));
            rows.Add(Score("DSNO (a), one model per w", w, 1, () => Batches(b => students[w].Generate(b.Noise, b.Labels)[.., ^1])));
            rows.Add(Score("DSNO (b), w as an input", w, 1, () => Batches(b => conditioned.Generate(b.Noise, b.Labels, b.W)[.., ^1])));
            Log(string.Join("\n", rows.TakeLast(4).Select(r => "  " + r)));
            wTensor.Dispose();
        }
        using var floorImages = train.ToTensor();
        var floor = SampleQuality.Evaluate(classifier, floorImages, referenceFeatures);
        double floorAccuracy = classifier.Predict(referenceImages).Zip(test.Labels!).Average(p => p.First == p.Second ? 1.0 : 0.0);

        string report = Markdown(rows, ws, floor, floorAccuracy, classifier.Description, teacher, conditioned, teacherSteps, trajectoryCount, studentSteps, evalCount, clock.Elapsed);
        File.WriteAllText(Path.Combine(folder, "guided.md"), report);
        File.WriteAllText(Path.Combine(folder, "guided.json"), System.Text.Json.JsonSerializer.Serialize(rows));
        Console.WriteLine(report);
        return 0;

        DsnoModel Student(DiffusionTeacher t, string name, double minW, double maxW, bool wConditioned)
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path))
            {
                using var stream = File.OpenRead(path);
                return DsnoModel.Load(stream);
            }
            var t0 = clock.Elapsed;
            // Records from noise seed 1 with uniform random labels; w per record (b) or fixed (a).
            var labels = torch.tensor(GaussianNoise.Labels(0, trajectoryCount, Classes, 1).Select(l => (long)l).ToArray());
            var noise = GaussianNoise.Sample(0, trajectoryCount, 1, 8, 8, seed: 1);
            var w = wConditioned
                ? torch.tensor(Enumerable.Range(0, trajectoryCount).Select(i => (float)(minW + (maxW - minW) * ((SeedMix.Mix(1, i, 29) >> 11) * (1.0 / (1UL << 53))))).ToArray())
                : torch.full(new long[] { trajectoryCount }, Scalars.Of(minW), dtype: ScalarType.Float32);
            var frames = new List<Tensor>();
            for (int start = 0; start < trajectoryCount; start += 64)
            {
                int n = Math.Min(64, trajectoryCount - start);
                using var scope = torch.NewDisposeScope();
                var (_, f) = t.Solve(noise[start..(start + n)], labels[start..(start + n)], w[start..(start + n)], "ddim", TrajectorySteps, frameTimes);
                frames.Add(f!.MoveToOuterDisposeScope());
            }
            var generation = clock.Elapsed - t0;
            var records = new TrajectoryBatch(noise, torch.cat(frames, 0), labels, w, 0);
            using var source = new InMemoryTrajectories(records, new TrajectoryLayout(1, 8, 8, frameTimes, FrameKind.Denoised, Classes));
            var model = wConditioned
                ? DsnoModel.FromTeacherWithGuidance(t, frameTimes, minW, maxW, seed: 0)
                : new DsnoModel(DsnoModel.FromTeacher(t, frameTimes, seed: 0).Network, t.Schedule) { GuidanceScale = minW };
            var t1 = clock.Elapsed;
            model.Train(source, new TrainingOptions { Steps = studentSteps, BatchSize = 32, LearningRate = 5e-4, WarmupSteps = smoke ? 2 : 80, EmaDecay = smoke ? 0.9 : 0.995, Seed = 0, Threads = 1 });
            Log($"{name}: {trajectoryCount} guided DDIM-{TrajectorySteps} trajectories in {generation.TotalMinutes:0.0} min, {studentSteps} training steps in {(clock.Elapsed - t1).TotalMinutes:0.0} min");
            string temp = path + ".tmp";
            using (var stream = File.Create(temp)) model.Save(stream);
            File.Move(temp, path, overwrite: true);
            return model;
        }

        Tensor SolveBatches(string solver, int steps, double w) =>
            Batches(b => teacher.Solve(b.Noise, b.Labels, b.W, solver, steps).Images);

        Tensor Batches(Func<(Tensor Noise, Tensor Labels, Tensor W), Tensor> generate)
        {
            var parts = new List<Tensor>();
            using var noGrad = torch.no_grad();
            for (int start = 0; start < evalCount; start += 64)
            {
                int n = Math.Min(64, evalCount - start);
                using var scope = torch.NewDisposeScope();
                var w = torch.full(new long[] { n }, Scalars.Of(CurrentW), dtype: ScalarType.Float32);
                parts.Add(generate((evalNoise[start..(start + n)], evalLabels[start..(start + n)], w)).ClampTo(-1.0, 1.0).MoveToOuterDisposeScope());
            }
            return torch.cat(parts, 0);
        }

        Row Score(string method, double w, int evaluations, Func<Tensor> generate)
        {
            CurrentW = w;
            var watch = Stopwatch.StartNew();
            using var images = generate();
            watch.Stop();
            var quality = SampleQuality.Evaluate(classifier, images, referenceFeatures);
            var predicted = classifier.Predict(images);
            double accuracy = predicted.Select((p, i) => p == i % Classes ? 1.0 : 0.0).Average();
            return new Row(method, w, evaluations, quality.FrechetDistance, quality.Precision, quality.Recall, accuracy, watch.Elapsed.TotalSeconds / evalCount * 1000);
        }
    }

    private static double CurrentW;

    private static string Markdown(List<Row> rows, double[] ws, QualityReport floor, double floorAccuracy, string classifier, DiffusionTeacher teacher,
        DsnoModel conditioned, int teacherSteps, int trajectoryCount, int studentSteps, int evalCount, TimeSpan elapsed)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"Teacher: class-conditional U-Net (32 base channels, [1, 2], 1 residual block a level, attention at 4, dropout 0.1, {teacher.Network.ParameterCount:N0} parameters), label dropout 0.1 toward a null class, {teacherSteps} steps of 64, lr 1e-3. Trajectories: {trajectoryCount} per student, guided DDIM-50 from noise seed 1 with uniform random labels, frames at the quadratic M = 4 grid. DSNO (a): one student per w, {studentSteps} steps of 32, lr 5e-4. DSNO (b): one w-conditioned student ({conditioned.Network.ParameterCount:N0} parameters) on {trajectoryCount} trajectories with w uniform in [{conditioned.GuidanceRange!.Value.Min:0.##}, {conditioned.GuidanceRange.Value.Max:0.##}], the same {studentSteps} steps. Scored on {evalCount} held-out noises (seed 2) with balanced labels (row i asks for class i mod 10). Classifier: {classifier}. Floor (training images against the test images): FD {floor.FrechetDistance:0.00}, precision {floor.Precision:0.000}, recall {floor.Recall:0.000}; the classifier's accuracy on the real test images {floorAccuracy:P1}. Time: one pass over the {evalCount} images in batches of 64, 1 torch thread, shared machine. Total run time {elapsed.TotalMinutes:0} min.");
        sb.AppendLine();
        sb.AppendLine("| w | Method | Evaluations per image | FD | Precision | Recall | Class accuracy | Time / 1,000 images (s) |");
        sb.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            sb.AppendLine(c, $"| {r.W:0.##} | {r.Method} | {r.Evaluations} | {r.Fd:0.00} | {r.Precision:0.000} | {r.Recall:0.000} | {r.ClassAccuracy:P1} | {r.SecondsPer1000:0.00} |");
        sb.AppendLine();
        sb.AppendLine("Goals (issue 14), per w:");
        sb.AppendLine();
        sb.AppendLine("| w | Variant | Class accuracy within 2 points of the guided teacher (DDIM-50) | FD within 1.5x of guided DDIM-50 | At least 4x the images/s of guided DPM-Solver++(2M)-10 |");
        sb.AppendLine("|---:|---|---|---|---|");
        foreach (double w in ws)
        {
            var ddim = rows.Single(r => r.W == w && r.Method.StartsWith("Teacher DDIM", StringComparison.Ordinal));
            var dpm = rows.Single(r => r.W == w && r.Method.StartsWith("Teacher DPM", StringComparison.Ordinal));
            foreach (var r in rows.Where(r => r.W == w && r.Method.StartsWith("DSNO", StringComparison.Ordinal)))
            {
                double gap = (ddim.ClassAccuracy - r.ClassAccuracy) * 100;
                double ratio = r.Fd / ddim.Fd, speed = dpm.SecondsPer1000 / r.SecondsPer1000;
                sb.AppendLine(c, $"| {w:0.##} | {r.Method[..8]} | {(gap <= 2 ? "met" : "missed")} ({r.ClassAccuracy:P1} vs {ddim.ClassAccuracy:P1}) | {(ratio <= 1.5 ? "met" : "missed")} ({ratio:0.00}x) | {(speed >= 4 ? "met" : "missed")} ({speed:0.0}x) |");
            }
        }
        return sb.ToString();
    }

    private static int? IntAfter(string[] args, string name) =>
        ArgumentAfter(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : null;

    private static string? ArgumentAfter(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
