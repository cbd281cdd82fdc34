using System.Globalization;
using Dsno.Diffusion;
using Dsno.Examples;
using Dsno.Examples.TrainingPlots;
using Dsno.MLNet;
using Microsoft.ML;
using ScottPlot;

// Trains a teacher and DSNO on the digits while recording the loss of every step from the Progress reports, then measures the
// temporal power spectrum of the teacher's ODE trajectories (the paper's appendix A.1): most power sits in the lowest modes, which is
// why DSNO's temporal layers keep only a few Fourier modes. Writes losses.png and spectrum.png (ScottPlot 5).
//   dotnet run -c Release --project examples/TrainingPlots -- [--tiny] [--out DIR] [--threads N]
bool tiny = args.Contains("--tiny");
// One torch thread by default: the same results on any machine, and no oversubscription of a shared one.
int threads = int.Parse(ArgumentAfter(args, "--threads") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
if (threads > 0) TorchSharp.torch.set_num_threads(threads);
string folder = Path.GetFullPath(ArgumentAfter(args, "--out") ?? Path.Combine("out", "training-plots"));
Directory.CreateDirectory(folder);
int teacherSteps = tiny ? 30 : 1500, dsnoSteps = tiny ? 20 : 600, trajectories = tiny ? 64 : 1024, solverSteps = tiny ? 8 : 64;
int spectrumPaths = tiny ? 16 : 128, spectrumIntervals = tiny ? 16 : 128;

var ml = new MLContext(seed: 0);
var teacherBar = new ProgressLine(Console.Out, "teacher");
var teacherLosses = new LossRecorder(teacherBar);
var teacher = ml.Transforms.DiffusionTeacher(new DiffusionTeacherOptions
{
    BaseChannels = tiny ? 16 : 32, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 1, Dropout = tiny ? 0 : 0.1,
    TrainingSteps = teacherSteps, BatchSize = tiny ? 32 : 64, LearningRate = 1e-3, WarmupSteps = tiny ? 3 : 100, EmaDecay = tiny ? 0.9 : 0.999,
    Solver = OdeSolver.Ddim, SolverSteps = solverSteps, Progress = teacherLosses,
}).Fit(ml.Data.LoadDigits());
teacherBar.Finish();

// The teacher's trajectories, solved once into ML.NET's in-memory cache (the poll shows the solver's progress).
var solved = ml.Data.Cache(teacher.Transform(ml.Data.GaussianNoise(trajectories, 1, 8, 8, seed: 1)), "Noise", "Trajectory");
var solving = new ProgressLine(Console.Out, "trajectories");
using (new ProgressPoll(solving, () => teacher.ForwardPasses, (trajectories + 63) / 64 * solverSteps))
    ImageColumns.Read(solved, "Trajectory");
solving.Finish();
var dsnoBar = new ProgressLine(Console.Out, "dsno");
var dsnoLosses = new LossRecorder(dsnoBar);
ml.Transforms.Dsno(new DsnoOptions
{
    Teacher = teacher, TrainingSteps = dsnoSteps, BatchSize = tiny ? 16 : 32, LearningRate = 5e-4, WarmupSteps = tiny ? 2 : 80,
    EmaDecay = tiny ? 0.9 : 0.995, Progress = dsnoLosses,
}).Fit(solved);
dsnoBar.Finish();

// Loss curves: the teacher's denoising MSE and DSNO's sqrt(SNR)-weighted L1 differ by orders of magnitude, so each gets its own panel.
string lossPath = Path.Combine(folder, "losses.png");
var lossPlot = new Multiplot();
lossPlot.AddPlots(2);
DrawLoss(lossPlot.GetPlot(0), teacherLosses.Losses, "Teacher: denoising loss (MSE of the predicted noise)");
DrawLoss(lossPlot.GetPlot(1), dsnoLosses.Losses, "DSNO: sqrt(SNR)-weighted L1 to the teacher's frames");
lossPlot.SavePng(lossPath, 900, 700);

// Spectra of the ODE states x(t) and of the denoised estimates x0_hat(t) (what DSNO's frames are) on a fine uniform grid.
var states = TemporalSpectrum.Measure(teacher, spectrumPaths, spectrumIntervals, FrameKind.State, seed: 7);
var denoised = TemporalSpectrum.Measure(teacher, spectrumPaths, spectrumIntervals, FrameKind.Denoised, seed: 7);
string spectrumPath = Path.Combine(folder, "spectrum.png");
var plot = new Plot();
AddSpectrum(plot, states, "ODE state x(t)", Colors.C0);
AddSpectrum(plot, denoised, "denoised estimate x0_hat(t)", Colors.C1);
plot.Axes.Left.TickGenerator = LogTicks();
plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
plot.Axes.SetLimitsX(0, states.Mean.Length - 1);
plot.Title($"Temporal power spectrum of {spectrumPaths} DDIM trajectories ({states.Points} uniform time points, T = 1)");
plot.XLabel("frequency mode j");
plot.YLabel("power S_j = 2 dt^2 |X_j|^2 (log scale)");
plot.ShowLegend(Alignment.UpperRight);
plot.SavePng(spectrumPath, 900, 500);

var inv = CultureInfo.InvariantCulture;
Console.WriteLine();
Console.WriteLine(string.Create(inv, $"power in modes 0..5: states {states.PowerShare(5):P2}, denoised estimates {denoised.PowerShare(5):P2}"));
Console.WriteLine(string.Create(inv, $"power in modes 0..1 (the frequencies a temporal layer with M = 4, J = 2 keeps): states {states.PowerShare(1):P2}, denoised estimates {denoised.PowerShare(1):P2}"));
Console.WriteLine(string.Create(inv, $"last losses: teacher {teacherLosses.Losses[^1]:0.0000}, DSNO {dsnoLosses.Losses[^1]:0.00}"));
Console.WriteLine($"wrote {lossPath} and {spectrumPath}");
return 0;

static void DrawLoss(Plot plot, IReadOnlyList<double> losses, string title)
{
    // A trailing mean over 25 steps shows the trend under the step-to-step noise of minibatch losses.
    const int Window = 25;
    var steps = Enumerable.Range(1, losses.Count).Select(i => (double)i).ToArray();
    var raw = plot.Add.ScatterLine(steps, losses.Select(Log10).ToArray());
    raw.Color = Colors.C0.WithAlpha(0.25);
    raw.LegendText = "per step";
    var mean = plot.Add.ScatterLine(steps, Enumerable.Range(0, losses.Count)
        .Select(i => Log10(losses.Skip(Math.Max(0, i - Window + 1)).Take(Math.Min(i + 1, Window)).Average())).ToArray());
    mean.Color = Colors.C0;
    mean.LineWidth = 2;
    mean.LegendText = $"mean of the last {Window}";
    plot.Axes.Left.TickGenerator = LogTicks();
    plot.Title(title);
    plot.XLabel("training step");
    plot.YLabel("loss (log scale)");
    plot.ShowLegend(Alignment.UpperRight);
}

static void AddSpectrum(Plot plot, TemporalSpectrum spectrum, string label, Color color)
{
    var modes = Enumerable.Range(0, spectrum.Mean.Length).Select(j => (double)j).ToArray();
    var band = plot.Add.FillY(modes, spectrum.Min.Select(Log10).ToArray(), spectrum.Max.Select(Log10).ToArray());
    band.FillStyle.Color = color.WithAlpha(0.2);
    band.LineStyle.Width = 0;
    var line = plot.Add.ScatterLine(modes, spectrum.Mean.Select(Log10).ToArray());
    line.Color = color;
    line.LineWidth = 2;
    line.LegendText = $"{label}: mean (band: min to max over pixels)";
}

// ScottPlot 5 has no log axis: the data are plotted as log10 and the ticks labelled as powers of ten.
static ScottPlot.TickGenerators.NumericAutomatic LogTicks() => new()
{
    MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
    IntegerTicksOnly = true,
    LabelFormatter = y => $"1e{y.ToString("0", CultureInfo.InvariantCulture)}",
};

static double Log10(double v) => Math.Log10(Math.Max(v, 1e-30));

static string? ArgumentAfter(string[] args, string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
