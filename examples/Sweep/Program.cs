using System.Diagnostics;
using System.Globalization;
using Dsno.MLNet;
using Microsoft.ML;
using TorchSharp;

// Sweeps DSNO's temporal resolution M and learning rate on the embedded digits within a time budget, ranks the fitted models by FD
// against real digits (DsnoMetrics.Evaluate) and saves the winner as an ML.NET model.
// Usage: dotnet run -c Release --project examples/Sweep -- [--minutes 8] [--out sweep-out] [--tiny]
var arguments = args.ToList();
string Option(string name, string fallback) { int i = arguments.IndexOf(name); return i >= 0 && i + 1 < arguments.Count ? arguments[i + 1] : fallback; }
bool tiny = arguments.Contains("--tiny");
double minutes = double.Parse(Option("--minutes", tiny ? "1" : "8"), CultureInfo.InvariantCulture);
string outDir = Option("--out", "sweep-out");
Directory.CreateDirectory(outDir);
torch.set_num_threads(1); // one thread: on shared cores more threads wait on each other, and results repeat exactly

var ml = new MLContext(seed: 1);
var digits = ml.Data.LoadDigits();
Console.WriteLine("training the teacher ...");
var teacher = ml.Transforms.DiffusionTeacher(new DiffusionTeacherOptions
{
    BaseChannels = 32, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = tiny ? 1 : 2, AttentionResolutions = new[] { 4 },
    TrainingSteps = tiny ? 30 : 1500, BatchSize = 128, LearningRate = 1e-3, WarmupSteps = tiny ? 5 : 100, Seed = 1, Solver = OdeSolver.Ddim,
    SolverSteps = tiny ? 8 : 50,
}).Fit(digits);

// The budget covers the sweep itself; the first configuration always runs.
var budget = Stopwatch.StartNew();
int records = tiny ? 64 : 4096, evaluate = tiny ? 64 : 1000, steps = tiny ? 10 : 600;
var heldOutNoise = ml.Data.Cache(ml.Data.GaussianNoise(evaluate, 1, 8, 8, seed: 12345));
var grid = from m in new[] { 2, 4 } from lr in new[] { 5e-4, 2e-3 } select (M: m, LearningRate: lr);
var board = new List<(int M, double LearningRate, GenerationMetrics Metrics, DsnoTransformer Model, double Seconds)>();
foreach (var (m, lr) in grid)
{
    if (board.Count > 0 && budget.Elapsed.TotalMinutes > minutes)
    {
        Console.WriteLine($"time budget of {minutes} min reached: skipping M = {m}, learning rate {lr}");
        continue;
    }
    var clock = Stopwatch.StartNew();
    // Trajectories on this M's quadratic grid, generated once per M and cached in memory.
    var trajectories = ml.Data.Cache(teacher.WithSampler(OdeSolver.Ddim, tiny ? 8 : 50, TimeGrid.Quadratic(m))
        .Transform(ml.Data.GaussianNoise(records, 1, 8, 8, seed: 7)));
    var model = ml.Transforms.Dsno(new DsnoOptions { Teacher = teacher, TrainingSteps = steps, BatchSize = 64, LearningRate = lr, WarmupSteps = steps / 10, Seed = 3 })
        .Fit(trajectories);
    var metrics = DsnoMetrics.Evaluate(ml, model.Transform(heldOutNoise), digits);
    board.Add((m, lr, metrics, model, clock.Elapsed.TotalSeconds));
    Console.WriteLine($"M = {m}, learning rate {lr:g2}: {metrics} [{clock.Elapsed.TotalSeconds:F0} s]");
}

Console.WriteLine();
Console.WriteLine("rank | M | learning rate |     FD |    KID | precision | recall | seconds");
foreach (var (row, rank) in board.OrderBy(r => r.Metrics.FrechetDistance).Select((r, i) => (r, i + 1)))
    Console.WriteLine($"{rank,4} | {row.M} | {row.LearningRate,13:g2} | {row.Metrics.FrechetDistance,6:F3} | {row.Metrics.KernelDistance,6:F3} | {row.Metrics.Precision,9:F3} | {row.Metrics.Recall,6:F3} | {row.Seconds,7:F0}");
var best = board.MinBy(r => r.Metrics.FrechetDistance);
string path = Path.Combine(outDir, "best-dsno.zip");
ml.Model.Save(best.Model, heldOutNoise.Schema, path);
Console.WriteLine($"saved the winner (M = {best.M}, learning rate {best.LearningRate:g2}, FD {best.Metrics.FrechetDistance:F3}) to {path}");
