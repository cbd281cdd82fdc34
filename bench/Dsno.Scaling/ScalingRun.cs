using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dsno.Data;
using Dsno.Diffusion;
using Dsno.MLNet;
using Dsno.Models;
using Dsno.Networks;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Dsno.Scaling;

/// <summary>Runs every measurement of docs/scaling.md in one process (children only for peak memory) and writes the reports.</summary>
internal static class ScalingRun
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Execute(string outDir, string reportPath, string benchmarksPath, int largeRows)
    {
        Directory.CreateDirectory(outDir);
        var ml = new MLContext(seed: 1);
        var log = new StringBuilder();
        void Say(string s) { Console.WriteLine(s); log.AppendLine(s); }
        var total = Stopwatch.StartNew();

        // 1. A digits teacher (briefly trained: the speed and memory figures do not depend on its quality).
        torch.set_num_threads(2);
        string teacherZip = Path.Combine(outDir, "digits-teacher.zip");
        DiffusionTeacherTransformer teacher;
        var digits = ml.Data.LoadDigits();
        if (File.Exists(teacherZip)) teacher = (DiffusionTeacherTransformer)MemoryProbe.Unwrap(ml.Model.Load(teacherZip, out _));
        else
        {
            teacher = ml.Transforms.DiffusionTeacher(new DiffusionTeacherOptions
            {
                BaseChannels = 16, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 1, AttentionResolutions = new[] { 4 },
                TrainingSteps = 100, BatchSize = 64, LearningRate = 1e-3, WarmupSteps = 20, Seed = 1, Solver = OdeSolver.Ddim, SolverSteps = 10,
            }).Fit(digits);
            ml.Model.Save(teacher, digits.Schema, teacherZip);
        }
        Say($"teacher: {teacher.Teacher.Network.ParameterCount:N0} parameters, ready after {total.Elapsed.TotalSeconds:F0} s");

        // 2. Trajectories per second per core, at the benchmark's reference solver (DDIM 100 steps, M = 4 frames), one thread.
        torch.set_num_threads(1);
        var fashionArchitecture = new UNetOptions
        {
            Channels = 1, Height = 16, Width = 16, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2, 2 }, ResBlocksPerLevel = 2,
            AttentionResolutions = new[] { 8 }, GroupNormGroups = 8,
        };
        var generation = new TrajectoryGenerationOptions { Solver = "ddim", Steps = 100, FrameTimes = FrameTimes.Quadratic(4), BatchSize = 64, Seed = 3 };
        double digitsRate = RecordsPerSecond(teacher.Teacher, generation, 128);
        using var fashionTeacher = new DiffusionTeacher(fashionArchitecture, seed: 1);
        double fashionRate = RecordsPerSecond(fashionTeacher, generation, 64);
        Say($"trajectories per second per core (DDIM 100 steps, 4 frames, batch 64, 1 thread): digits {digitsRate:F1}, fashion16 {fashionRate:F2}");

        // 3. The large trajectory file (DDIM 4 steps so that 50,000 records take minutes; cached because ML.NET's binary saver reads its
        // source twice) and a 10x smaller one.
        torch.set_num_threads(2);
        string large = Path.Combine(outDir, $"trajectories-{largeRows}.idv"), small = Path.Combine(outDir, $"trajectories-{largeRows / 10}.idv");
        var fast = teacher.WithSampler(OdeSolver.Ddim, 4, TimeGrid.Quadratic(4));
        var clock = Stopwatch.StartNew();
        if (!File.Exists(large)) SaveAtomically(ml, ml.Data.Cache(fast.Transform(ml.Data.GaussianNoise(largeRows, 1, 8, 8, seed: 5))), large);
        if (!File.Exists(small)) SaveAtomically(ml, ml.Data.TakeRows(ml.Data.LoadFromBinary(large), largeRows / 10), small);
        Say($"trajectory files ready in {clock.Elapsed.TotalSeconds:F0} s");
        double idvBytesPerRecord = (double)new FileInfo(large).Length / largeRows;
        string shards = Path.Combine(outDir, "shards");
        TrajectoryGenerator.WriteShards(teacher.Teacher, generation with { Steps = 10 }, shards, 0, 2048);
        double shardBytesPerRecord = Directory.GetFiles(shards, "*" + TrajectoryShardSet.Extension).Sum(f => new FileInfo(f).Length) / 2048.0;
        Say($"bytes per trajectory (noise + 4 frames of 1x8x8 float32): .idv {idvBytesPerRecord:F0}, Dsno shard {shardBytesPerRecord:F0}, raw {5 * 64 * 4}");

        // 4. Peak memory while fitting from each file, in fresh processes, with the same number of steps (enough to stream the large file once).
        int steps = (int)Math.Ceiling(largeRows / 64.0) + 8;
        var smallFit = FitInChild(small, teacherZip, steps);
        var largeFit = FitInChild(large, teacherZip, steps);
        Say($"fit from {largeRows / 10} rows: {smallFit}");
        Say($"fit from {largeRows} rows: {largeFit}");
        double ratio = (double)largeFit.PeakKb / smallFit.PeakKb;
        double recordsPerSecond = steps * 64 / largeFit.Seconds;
        Say($"peak RSS ratio (large / small): {ratio:F3}; training records per second (2 threads): {recordsPerSecond:F0}");

        // 5. ML.NET Transform throughput at batch 64, same process, 2 threads.
        var dsno = ml.Transforms.Dsno(new DsnoOptions { Teacher = teacher, TrainingSteps = 50, BatchSize = 64, LearningRate = 5e-4, Seed = 1 })
            .Fit(ml.Data.LoadFromBinary(small));
        var noise = ml.Data.Cache(ml.Data.GaussianNoise(1024, 1, 8, 8, seed: 9));
        MlNetModelsWarmup(noise, dsno, teacher);
        var throughput = new (string Name, ITransformer Model, int Evaluations)[]
        {
            ("DsnoTransformer (one forward pass per batch)", dsno, 1),
            ("DiffusionTeacherTransformer, DDIM 10 steps", teacher.WithSampler(OdeSolver.Ddim, 10), 10),
            ("DiffusionTeacherTransformer, DPM-Solver++(2M) 10 steps", teacher.WithSampler(OdeSolver.DpmSolver2M, 10), 10),
        }.Select(m => (m.Name, m.Evaluations, ImagesPerSecond: ImagesPerSecond(m.Model, noise))).ToList();
        foreach (var t in throughput) Say($"{t.Name}: {t.ImagesPerSecond:F0} images/s");

        string machine = MachineDescription();
        string command = "dotnet run -c Release --project bench/Dsno.Scaling";
        WriteScalingReport(reportPath, machine, command, digitsRate, fashionRate, idvBytesPerRecord, shardBytesPerRecord, largeRows, steps, smallFit, largeFit,
            ratio, recordsPerSecond, total.Elapsed);
        WriteMlNetSection(benchmarksPath, machine, command, throughput, largeRows, smallFit, largeFit, ratio);
        File.WriteAllText(Path.Combine(outDir, "scaling.log"), log.ToString());
        Say($"done in {total.Elapsed.TotalMinutes:F1} min; wrote {reportPath} and the ML.NET section of {benchmarksPath}");
        return 0;
    }

    private static void MlNetModelsWarmup(IDataView noise, params ITransformer[] models)
    {
        var few = new MLContext().Data.TakeRows(noise, 64);
        foreach (var m in models) Consume(m.Transform(few));
    }

    private static double RecordsPerSecond(DiffusionTeacher teacher, TrajectoryGenerationOptions options, int count)
    {
        using var warm = TrajectoryGenerator.Generate(teacher, options with { Steps = 2 }, 0, 8);
        var clock = Stopwatch.StartNew();
        using var records = TrajectoryGenerator.Generate(teacher, options, 0, count);
        return count / clock.Elapsed.TotalSeconds;
    }

    private static double ImagesPerSecond(ITransformer model, IDataView noise)
    {
        var clock = Stopwatch.StartNew();
        int rows = Consume(model.Transform(noise));
        return rows / clock.Elapsed.TotalSeconds;
    }

    private static int Consume(IDataView view)
    {
        var column = view.Schema["Image"];
        using var cursor = view.GetRowCursor(new[] { column });
        var get = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> buffer = default;
        int n = 0;
        while (cursor.MoveNext()) { get(ref buffer); n++; }
        return n;
    }

    private static void SaveAtomically(MLContext ml, IDataView view, string path)
    {
        string temp = path + ".tmp";
        using (var stream = File.Create(temp)) ml.Data.SaveAsBinary(view, stream);
        File.Move(temp, path, overwrite: true);
    }

    internal sealed record FitResult(long Rows, int Steps, double Seconds, long PeakKb)
    {
        public override string ToString() => $"{Rows} rows, {Steps} steps in {Seconds:F1} s, peak RSS {PeakKb / 1024.0:F0} MiB";
    }

    private static FitResult FitInChild(string idv, string teacherZip, int steps)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") start.ArgumentList.Add(typeof(ScalingRun).Assembly.Location);
        foreach (var a in new[] { "fit-memory", idv, teacherZip, steps.ToString(Inv) }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"fit-memory failed ({process.ExitCode}): {output}");
        var fields = output.Trim().Split('\n')[^1].Split(' ').Select(f => f.Split('=')).ToDictionary(p => p[0], p => p[1]);
        return new FitResult(long.Parse(fields["rows"], Inv), steps, double.Parse(fields["seconds"], Inv), long.Parse(fields["peak_rss_kb"], Inv));
    }

    private static string MachineDescription()
    {
        string cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        long memKb = long.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], Inv);
        return $"{Environment.ProcessorCount} cores ({cpu}), {memKb / 1024.0 / 1024.0:F0} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, " +
               $".NET {Environment.Version}, TorchSharp 0.107.0 CPU (libtorch 2.10.0)";
    }

    private static void WriteScalingReport(string path, string machine, string command, double digitsRate, double fashionRate, double idvBytes, double shardBytes,
        int largeRows, int steps, FitResult small, FitResult large, double ratio, double recordsPerSecond, TimeSpan elapsed)
    {
        var template = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "scaling-template.md"));
        string F(double v, string format) => v.ToString(format, Inv);
        var values = new Dictionary<string, string>
        {
            ["MACHINE"] = machine, ["COMMAND"] = command, ["DATE"] = DateTime.UtcNow.ToString("yyyy-MM-dd", Inv), ["ELAPSED"] = F(elapsed.TotalMinutes, "F1"),
            ["DIGITS_RATE"] = F(digitsRate, "F1"), ["FASHION_RATE"] = F(fashionRate, "F2"), ["IDV_BYTES"] = F(idvBytes, "F0"), ["SHARD_BYTES"] = F(shardBytes, "F0"),
            ["LARGE_ROWS"] = largeRows.ToString("N0", Inv), ["SMALL_ROWS"] = (largeRows / 10).ToString("N0", Inv), ["STEPS"] = steps.ToString(Inv),
            ["SMALL_PEAK"] = F(small.PeakKb / 1024.0, "F0"), ["LARGE_PEAK"] = F(large.PeakKb / 1024.0, "F0"), ["RATIO"] = F(ratio, "F3"),
            ["TRAIN_RATE"] = F(recordsPerSecond, "F0"),
            // Projections: float32 records of noise + 4 frames, and the measured per-core generation rate scaled by pixels.
            ["CIFAR_DISK"] = F(1_000_000 * 5.0 * 3 * 32 * 32 * 4 / 1e9, "F0"), ["IMAGENET_DISK"] = F(2_300_000 * 5.0 * 3 * 64 * 64 * 4 / 1e12, "F2"),
        };
        foreach (var (k, v) in values) template = template.Replace("{{" + k + "}}", v);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, template);
    }

    private static void WriteMlNetSection(string path, string machine, string command, List<(string Name, int Evaluations, double ImagesPerSecond)> throughput,
        int largeRows, FitResult small, FitResult large, double ratio)
    {
        var b = new StringBuilder();
        b.AppendLine("## ML.NET layer: Transform throughput and streaming memory");
        b.AppendLine();
        b.AppendLine($"Machine: {machine}. Command: `{command}` (2 torch threads, batch 64, 1,024 rows, same process, after one warm-up batch each).");
        b.AppendLine("Digits-size models (1x8x8, U-Net 16 channels [1,2], 1 residual block per level, attention at 4x4); speed does not depend on how well they are trained.");
        b.AppendLine();
        b.AppendLine("| transformer | model evaluations per image | images per second | relative to DSNO |");
        b.AppendLine("|---|---|---|---|");
        double dsno = throughput[0].ImagesPerSecond;
        foreach (var t in throughput) b.AppendLine($"| {t.Name} | {t.Evaluations} | {t.ImagesPerSecond.ToString("F0", Inv)} | {(t.ImagesPerSecond / dsno).ToString("F3", Inv)} |");
        b.AppendLine();
        b.AppendLine($"Peak memory (VmHWM) of a fresh process fitting DSNO from a `.idv` file through a cursor, {large.Steps} steps of batch 64 (so the large file is read " +
                     $"through once): {small.Rows:N0} rows {(small.PeakKb / 1024.0).ToString("F0", Inv)} MiB, {large.Rows:N0} rows {(large.PeakKb / 1024.0).ToString("F0", Inv)} MiB, ratio {ratio.ToString("F3", Inv)} (goal: at most 1.5).");
        Dsno.Bench.ReportSection.Replace(path, "mlnet", b.ToString(), "# Benchmarks");
    }
}
