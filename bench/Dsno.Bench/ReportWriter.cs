using System.Globalization;
using System.Text;
using Dsno.Data;
using Dsno.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Bench;

/// <summary>
/// Stage 8: writes this data set's section of the benchmarks file and its pictures, always from the stored result files (never from
/// numbers held in memory), so that a resumed run and a fresh one write the same report.
/// </summary>
public sealed partial class ReportWriter
{
    /// <summary>The first lines of a new benchmarks file.</summary>
    internal const string FileHeader = """
        # Benchmarks

        Measured on this project's own teachers; each section says the machine, the command and the seeds that produced it.
        The sections between `dsno-bench` markers are written by `bench/Dsno.Bench` (one per data set) and are replaced when it runs again;
        the rest of this file is left alone.
        """;

    private readonly BenchConfig _config;
    private readonly BenchPaths _paths;
    private readonly string _reportPath;
    private readonly string _command;
    private readonly StringBuilder _text = new();
    private readonly Dictionary<string, MethodResult> _results;
    private readonly SpeedResult? _speed;

    private ReportWriter(BenchConfig config, BenchPaths paths, string reportPath, string command)
    {
        _config = config;
        _paths = paths;
        _reportPath = reportPath;
        _command = command;
        _results = MethodSpec.All(config).Select(m => JsonFiles.Read<MethodResult>(paths.MethodResult(m.Id))).OfType<MethodResult>().ToDictionary(r => r.Id);
        _speed = JsonFiles.Read<SpeedResult>(paths.Speed);
    }

    /// <summary>Writes the section and the PNGs next to <paramref name="reportPath"/>.</summary>
    public static void Write(BenchConfig config, BenchPaths paths, string reportPath, string command)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(reportPath))!);
        var writer = new ReportWriter(config, paths, reportPath, command);
        writer.Build();
        ReportSection.Replace(reportPath, config.Dataset, writer._text.ToString(), FileHeader);
        BenchLog.Info($"report: wrote the {config.Dataset} section of {reportPath}");
    }

    private string Figure(string name) => $"{_config.Dataset}-{name}.png";
    private string FigurePath(string name) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(_reportPath))!, Figure(name));

    private void Line(string line = "") => _text.Append(line).Append('\n');

    private static string F(double x, int significant = 3)
    {
        if (double.IsNaN(x)) return "n/a";
        if (x == 0) return "0";
        double a = Math.Abs(x);
        int decimals = Math.Clamp(significant - 1 - (int)Math.Floor(Math.Log10(a)), 0, 8);
        return x.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }

    private static string Percent(double fraction) => (fraction * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
    private static string N(long x) => x.ToString("N0", CultureInfo.InvariantCulture);

    private double SecondsPer1000(string id)
    {
        var m = _speed?.Methods.FirstOrDefault(s => s.Id == id);
        return m is null ? double.NaN : m.SecondsPerBatch * 1000.0 / _speed!.TimingBatch;
    }

    private MethodResult? R(string id) => _results.GetValueOrDefault(id);

    private void Build()
    {
        var data = JsonFiles.Read<DataSummary>(_paths.DataInfo);
        var teacher = JsonFiles.Read<TrainingSummary>(_paths.TeacherInfo);
        var trajectories = JsonFiles.Read<TrajectorySummary>(_paths.TrajectoryInfo);
        var reference = JsonFiles.Read<ReferenceSummary>(_paths.ReferenceInfo);
        var students = StudentSpec.Trained.Select(s => JsonFiles.Read<TrainingSummary>(_paths.StudentInfo(s.Id))).OfType<TrainingSummary>().ToDictionary(s => s.Name);
        var spectrum = JsonFiles.Read<SpectrumResult>(_paths.Spectrum);
        var decoding = JsonFiles.Read<DecodingResult>(_paths.Decoding);
        var stages = StageTimes.Read(_paths);
        var a = _config.Architecture;
        bool smoke = _config.Dataset.EndsWith("-smoke", StringComparison.Ordinal);
        string key = _config.Dataset.Replace("-smoke", "", StringComparison.Ordinal);
        string title = (key switch { "digits" => "Digits 8x8", "fashion32" => "Fashion-MNIST 32x32", _ => "Fashion-MNIST 16x16" }) + (smoke ? " (smoke run: tiny budgets, numbers meaningless)" : "");

        Line($"## {title} (`--dataset {key}`)");
        Line();
        Line($"Command: `{_command}`; run files in `{Path.Combine(_paths.OutRoot, _config.Dataset)}/`. Report written {DateTime.Now.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} from those files " +
             "(each stage runs once and is read back afterwards; stage times below are the sums over the processes that did the work).");
        Line();
        int threads = _speed?.Threads ?? teacher?.Threads ?? 0;
        Line($"Machine: {MachineInfo.Describe()}. Torch threads: {(threads == 0 ? "one per core" : threads.ToString(CultureInfo.InvariantCulture))}. " +
             "The 2 cores are shared with other users, so absolute times are noisy; speeds are compared only as ratios measured in one process" +
             (_speed is null ? "." : $" (the speed stage ran at {_speed.MeasuredAt}, load average {F(_speed.LoadAverageBefore, 2)} before and {F(_speed.LoadAverageAfter, 2)} after)."));
        Line();
        if (stages.Minutes.Count > 0)
            Line("Stage wall times: " + string.Join(", ", stages.Minutes.Select(kv => $"{kv.Key} {F(kv.Value, 2)} min")) + $"; total {F(stages.Minutes.Values.Sum(), 3)} min.");
        Line();

        // ---- Setup
        Line("### Setup");
        Line();
        Line("| Part | Settings |");
        Line("|---|---|");
        Line($"| Data | {_config.DataDescription}. Teacher and classifier train on the {(data is null ? "?" : N(data.TrainCount))} training images. |");
        Line($"| Teacher | epsilon-prediction U-Net, cosine VP schedule, {a.BaseChannels} base channels, multipliers [{string.Join(", ", a.ChannelMultipliers)}], " +
             $"{a.ResBlocksPerLevel} residual blocks per level, attention at {string.Join(", ", a.AttentionResolutions)}, dropout {F(a.Dropout, 1)}; " +
             (teacher is null ? "not trained yet |" :
                 $"{N(teacher.Parameters)} parameters; {N(teacher.Steps)} Adam steps of batch {teacher.BatchSize}, lr {F(teacher.LearningRate, 1)} with {teacher.WarmupSteps} warm-up steps, " +
                 $"EMA {teacher.EmaDecay.ToString(CultureInfo.InvariantCulture)}, seed {teacher.Seed}; {F(teacher.SecondsPerStep)} s per step (measured over {N(teacher.StepsThisRun)} steps); " +
                 $"loss {F(teacher.FirstLoss)} (first 50 steps) to {F(teacher.LastLoss)} (last 50). |"));
        Line($"| Reference solver | {_config.ReferenceSolver.ToUpperInvariant()} with {_config.ReferenceSteps} uniform steps, the frame times below inserted into the step list " +
             $"({reference?.Evaluations.ToString(CultureInfo.InvariantCulture) ?? "?"} model evaluations per trajectory); clipped denoised estimates. |");
        if (trajectories is not null)
            Line($"| Training records | {N(trajectories.Count)} trajectories from noise seed {trajectories.Seed}, generated once on the union grid " +
                 $"[{string.Join(", ", trajectories.FrameTimes.Select(t => t.ToString("0.######", CultureInfo.InvariantCulture)))}] (quadratic M=8, which contains quadratic M=4 and M=2, plus the uniform M=4 times); " +
                 $"frames are the denoised estimates x0_hat(t); {F(trajectories.SecondsPerRecord * 1000)} ms per record. Each student reads its own frames. |");
        Line($"| Students | every student starts from the teacher's weights and gets the same budget: {N(_config.StudentSteps)} Adam steps of {_config.StudentBatch} records, " +
             $"lr {F(_config.StudentLearningRate, 1)} with {_config.StudentWarmup} warm-up steps, EMA {_config.StudentEma.ToString(CultureInfo.InvariantCulture)}, gradient clipping at norm 1, seed {_config.StudentSeed} " +
             $"({F((double)_config.StudentSteps * _config.StudentBatch / Math.Max(1, trajectories?.Count ?? 1), 2)} passes over the records). DSNO: temporal Fourier layers with J = M/2 modes after every residual block, " +
             "weighted L1 on all frames; the one-step baseline (KD): the same backbone without temporal layers, L1 on the final frame. |");
        if (data is not null)
            Line($"| Quality metric | FD, KID (cubic kernel), precision and recall (k = 3) on the 64-d penultimate features of a small CNN classifier trained on the training split " +
                 $"(test accuracy **{Percent(data.ClassifierAccuracy)}**), against {N(data.ReferenceCount)} reference images from the test split. " +
                 $"This is a Frechet distance in our own feature space, not FID. Every method is scored on the same {_config.EvalSamples} held-out noises (seed {_config.EvalSeed}, disjoint from the records' seed {_config.TrajectorySeed}). " +
                 $"Floor: {data.FloorDescription}: FD {F(data.FloorFd)}, KID {F(data.FloorKid)}. |");
        Line();

        WriteTable1(data);
        WriteGoals();
        WriteQualityGoals(students);
        WriteLosses();
        WriteTable3();
        WriteAblations(students);
        WriteBudget(students);
        WriteRecipes(students);
        WriteDecoding(decoding);
        WriteSpectrum(spectrum);
        WriteFigures();
    }

    private void WriteTable1(DataSummary? data)
    {
        var dsno = R("dsno-m4");
        Line("### Table 1 analogue: sample quality and cost");
        Line();
        Line($"Time per 1,000 images: the fastest of {_speed?.Rounds ?? 0} interleaved rounds of {_speed?.TimingBatch ?? 0} images in one process (the fastest round is the one least disturbed by other users of the cores). " +
             "RMS: root mean square pixel difference (pixels in [-1, 1]) to the reference solve's final image for the same noise. " +
             "The last column compares each row's FD with DSNO M=4's.");
        Line();
        Line("| Method | Model evaluations | FD | KID | Precision | Recall | RMS to reference | Time / 1,000 images (s) | Parameters | vs DSNO M=4 (FD) |");
        Line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var method in MethodSpec.All(_config).Where(m => m.InMainTable))
        {
            var r = R(method.Id);
            if (r is null) { Line($"| {method.Label} | not evaluated yet | | | | | | | | |"); continue; }
            string versus = dsno is null || method.Id == "dsno-m4" ? "" : r.Fd < dsno.Fd ? "**beats DSNO M=4**" : "DSNO M=4 better";
            string label = method.StudentId is not null && method.StudentId.StartsWith("dsno", StringComparison.Ordinal) ? $"**{r.Label}**" : r.Label;
            Line($"| {label} | {r.Evaluations} | {F(r.Fd)} | {F(r.Kid)} | {F(r.Precision)} | {F(r.Recall)} | {(method.IsReference ? "0" : F(r.RmsToTeacher))} | " +
                 $"{F(SecondsPer1000(method.Id))} | {N(r.Parameters)} | {versus} |");
        }
        if (data is not null)
            Line($"| Real held-out images (floor) | - | {F(data.FloorFd)} | {F(data.FloorKid)} | {F(data.FloorPrecision)} | {F(data.FloorRecall)} | - | - | - | |");
        Line();
        SolverNotes();
        WhereDsnoLoses(data);
    }

    /// <summary>
    /// The teacher's solvers on every step list (<see cref="StepListStage"/>), and what that says about the main table's solver rows.
    /// </summary>
    private void SolverNotes()
    {
        var lists = JsonFiles.Read<StepListResult[]>(_paths.StepLists);
        if (lists is null || lists.Length == 0) return;
        Line($"**Step lists.** Each teacher solver at {StepListStage.Steps} steps on three step lists, the same held-out noises " +
             "(uniform: uniform in t; log-SNR: uniform in log-SNR over the schedule's whole range [-20, 20]; Karras: one step from t = 1 to s = sigma/alpha = 80, then rho = 7 spacing in s down to the data end, Karras et al. 2022, eq. 5 with their sigma_max). " +
             "The main table uses each solver's default list (marked). Heun follows Karras et al.'s Algorithm 1 in y = x/alpha, s = sigma/alpha, " +
             "with no corrector on the step out of t = 1 nor on the last step, so N steps cost 2N - 2 evaluations.");
        Line();
        Line("| Solver | Evaluations | " + string.Join(" | ", StepListStage.Lists.Select(l => $"FD ({l})")) + " | " + string.Join(" | ", StepListStage.Lists.Select(l => $"RMS ({l})")) + " |");
        Line("|---|---:|" + string.Concat(Enumerable.Repeat("---:|", 2 * StepListStage.Lists.Length)));
        var notes = new List<string>();
        foreach (var group in lists.GroupBy(r => r.Solver))
        {
            var rows = StepListStage.Lists.Select(l => group.FirstOrDefault(r => r.List == l)).ToArray();
            string Cell(StepListResult? r, double v) => r is null ? "-" : r.IsDefault ? $"**{F(v)}**" : F(v);
            Line($"| {group.Key} | {group.First().Evaluations} | " + string.Join(" | ", rows.Select(r => Cell(r, r?.Fd ?? double.NaN))) + " | " +
                 string.Join(" | ", rows.Select(r => Cell(r, r?.RmsToTeacher ?? double.NaN))) + " |");
            var best = group.MinBy(r => r.Fd)!;
            var used = group.FirstOrDefault(r => r.IsDefault);
            if (used is not null && best != used)
                notes.Add($"{group.Key}'s default list ({used.List}, FD {F(used.Fd)}) is not its best here ({best.List}, FD {F(best.Fd)})");
        }
        Line();
        var ddim = lists.FirstOrDefault(r => r.Solver == "ddim" && r.IsDefault);
        var dpm = lists.Where(r => r.Solver == "dpm-solver-2m").ToArray();
        if (ddim is not null && dpm.Length > 0 && dpm.All(r => r.Fd > ddim.Fd))
            notes.Add($"DPM-Solver++(2M) trails DDIM at {StepListStage.Steps} steps on every list (best {F(dpm.Min(r => r.Fd))} vs DDIM's {F(ddim.Fd)}), so the gap is the " +
                      "solver on this teacher at this step count, not its step list");
        if (notes.Count > 0) Line(string.Join(". ", notes) + ".");
        Line();
    }

    /// <summary>", its loss was still falling ..." when the mean loss of the last quarter of training is below the third quarter's.</summary>
    private string LossTrendText(string id)
    {
        var losses = LossFile.Read(_paths.StudentLoss(id));
        if (losses.Length < 40) return "";
        int quarter = losses.Length / 4;
        double third = losses.Skip(2 * quarter).Take(quarter).Average(), last = losses.Skip(3 * quarter).Average();
        return last < third
            ? $"; its loss was still falling at the end (mean of the last quarter of steps {Percent(1 - last / third)} below the third quarter's)"
            : "; its loss had levelled off by the end";
    }

    private void WhereDsnoLoses(DataSummary? data)
    {
        var dsno = R("dsno-m4");
        if (dsno is null) return;
        var solverRows = MethodSpec.All(_config).Where(m => m.StudentId is null).Select(m => R(m.Id)).OfType<MethodResult>().ToList();
        var better = solverRows.Where(r => r.Fd < dsno.Fd).ToList();
        var kd = R("kd");
        var reference = R("reference");
        Line("**Where DSNO loses, and why.** " + (better.Count == 0
            ? $"DSNO M=4 (FD {F(dsno.Fd)}, one evaluation) has a lower FD than every solver row of the teacher."
            : $"DSNO M=4 (FD {F(dsno.Fd)}, one evaluation) is beaten on FD by {string.Join(", ", better.Select(r => $"{r.Label} ({F(r.Fd)}, {r.Evaluations} evaluations)"))}."));
        var cheaper = solverRows.Where(r => r.Evaluations <= 4).OrderBy(r => r.Evaluations).ToList();
        if (cheaper.Count > 0)
            Line($"At a comparable number of evaluations the teacher is far worse: {string.Join(", ", cheaper.Select(r => $"{r.Label} FD {F(r.Fd)}"))}.");
        var sb = new StringBuilder();
        if (better.Count > 0)
        {
            var closer = better.Where(r => r.RmsToTeacher > dsno.RmsToTeacher).ToList();
            var farther = better.Where(r => r.RmsToTeacher <= dsno.RmsToTeacher).ToList();
            if (farther.Count > 0)
                sb.Append($"Against {string.Join(", ", farther.Select(r => r.Label))} the reason is plain: DSNO's final image is further from the reference solve for the same noise " +
                          $"(RMS {F(dsno.RmsToTeacher)} vs at most {F(farther.Max(r => r.RmsToTeacher))}), i.e. it has not learnt the noise-to-image map as exactly as those solvers integrate it. ");
            if (closer.Count > 0)
                sb.Append($"Against {string.Join(", ", closer.Select(r => r.Label))} DSNO is closer to the reference per pixel (RMS {F(dsno.RmsToTeacher)} vs {string.Join(", ", closer.Select(r => F(r.RmsToTeacher)))}) " +
                          "and still scores a higher FD: a network trained with L1 to predict the solver's output from the noise alone regresses towards the average of what it cannot resolve, " +
                          $"so its errors are systematic smoothing, which FD punishes more than a solver's sharp but different sample; precision shows it (DSNO {F(dsno.Precision)} vs " +
                          $"{string.Join(", ", closer.Select(r => F(r.Precision)))}). ");
            var student = JsonFiles.Read<TrainingSummary>(_paths.StudentInfo("dsno-m4"));
            if (student is not null)
                sb.Append((closer.Count > 0 && farther.Count > 0 ? "Both gaps most likely come" : "The gap most likely comes") +
                          $" from the training budget (the training-budget table below measures how it shrinks with more steps): DSNO had {N(student.Steps)} steps of {student.BatchSize} records on {N(JsonFiles.Read<TrajectorySummary>(_paths.TrajectoryInfo)?.Count ?? 0)} trajectories " +
                          $"({F(student.SecondsPerStep * student.Steps / 60, 2)} min here), while the authors trained CIFAR-10 DSNO for 400,000 steps on 1M trajectories" + LossTrendText("dsno-m4") + ". ");
            if (reference is not null && data is not null)
                sb.Append($"For scale: the reference itself scores FD {F(reference.Fd)} and real held-out images {F(data.FloorFd)}. ");
        }
        if (kd is not null)
            sb.Append(kd.Fd > dsno.Fd
                ? $"Against one-step distillation at the same budget DSNO wins: FD {F(dsno.Fd)} vs {F(kd.Fd)} ({Percent(1 - dsno.Fd / kd.Fd)} lower), RMS {F(dsno.RmsToTeacher)} vs {F(kd.RmsToTeacher)}. "
                : $"Against one-step distillation at the same budget DSNO does not win here: FD {F(dsno.Fd)} vs {F(kd.Fd)}, RMS {F(dsno.RmsToTeacher)} vs {F(kd.RmsToTeacher)}; " +
                  "the temporal supervision (frames at earlier times) did not pay off within this short budget. ");
        if (sb.Length > 0) Line(sb.ToString());
        Line();
    }

    private void WriteGoals()
    {
        var dsno = R("dsno-m4");
        var dpm10 = R("dpm-solver-2m-10");
        var reference = R("reference");
        var kd = R("kd");
        if (dsno is null) return;
        Line("### Goals of issue 6");
        Line();
        if (_config.Dataset != "fashion16") Line("The issue states these goals for Fashion-MNIST 16x16; they are checked here on the same terms for comparison.");
        Line();
        Line("| Goal | Target | Measured | Status |");
        Line("|---|---|---|---|");
        if (dpm10 is not null)
            Goal("FD of DSNO M=4 no worse than DPM-Solver++(2M) 10 steps", $"<= {F(dpm10.Fd)}", F(dsno.Fd), dsno.Fd <= dpm10.Fd, dsno.Fd / dpm10.Fd - 1, "higher");
        // The stricter reading: against DPM-Solver++(2M) on whichever step list served it best on this teacher.
        var bestDpm = JsonFiles.Read<StepListResult[]>(_paths.StepLists)?.Where(r => r.Solver == "dpm-solver-2m" && r.Steps == 10).MinBy(r => r.Fd);
        if (bestDpm is not null && (dpm10 is null || bestDpm.Fd < dpm10.Fd))
            Goal($"... and no worse than DPM-Solver++(2M) 10 steps on its best step list ({bestDpm.List})", $"<= {F(bestDpm.Fd)}", F(dsno.Fd), dsno.Fd <= bestDpm.Fd,
                dsno.Fd / bestDpm.Fd - 1, "higher");
        if (reference is not null)
            Goal("FD of DSNO M=4 at most 1.5x the reference solver's", $"<= 1.5 x {F(reference.Fd)} = {F(1.5 * reference.Fd)}", F(dsno.Fd), dsno.Fd <= 1.5 * reference.Fd,
                dsno.Fd / (1.5 * reference.Fd) - 1, "above the limit");
        if (kd is not null)
            Goal("DSNO M=4 beats one-step distillation's FD by at least 20%", $"<= 0.8 x {F(kd.Fd)} = {F(0.8 * kd.Fd)}", dsno.Fd <= kd.Fd ? $"{F(dsno.Fd)} ({Percent(1 - dsno.Fd / kd.Fd)} lower)" : $"{F(dsno.Fd)} ({Percent(dsno.Fd / kd.Fd - 1)} higher)",
                dsno.Fd <= 0.8 * kd.Fd, dsno.Fd / (0.8 * kd.Fd) - 1, "above the limit");
        double tDsno = SecondsPer1000("dsno-m4"), tDpm = SecondsPer1000("dpm-solver-2m-10");
        if (!double.IsNaN(tDsno) && !double.IsNaN(tDpm))
            Goal("DSNO M=4 generates at least 2x faster than DPM-Solver++(2M) 10 steps", ">= 2x", $"{F(tDpm / tDsno)}x ({F(tDsno)} s vs {F(tDpm)} s per 1,000)",
                tDpm / tDsno >= 2, 2 / (tDpm / tDsno) - 1, "slower than the target");
        foreach (var f in _speed?.Forward.Where(f => f.M == 4) ?? Enumerable.Empty<ForwardCost>())
        {
            double ratio = f.DsnoSeconds / f.BackboneSlicesSeconds;
            Goal($"DSNO forward at batch B = {f.B} (M = 4) at most 1.15x the backbone at batch 4B = {4 * f.B}", "<= 1.15x", $"{F(ratio)}x", ratio <= 1.15, ratio / 1.15 - 1, "above the limit");
        }
        Line();
    }

    /// <summary>A row of a goals table: met, or missed by <paramref name="gap"/> in <paramref name="direction"/>.</summary>
    private void Goal(string name, string target, string measured, bool met, double gap, string direction) =>
        Line($"| {name} | {target} | {measured} | {(met ? "**met**" : $"**missed** ({Percent(gap)} {direction})")} |");

    private void WriteTable3()
    {
        if (_speed is null || _speed.Forward.Count == 0) return;
        Line("### Table 3 analogue: cost of one forward pass");
        Line();
        Line("Time of one forward pass (no gradients), the fastest of several interleaved rounds in one process, each round averaging enough calls to last about 0.2 s. \"Backbone (M x B)\" evaluates the same number of " +
             "image slices as DSNO; \"no temporal layers\" is DSNO's own pass with the temporal layers skipped (stem once, then M x B slices), so the difference " +
             "to DSNO is the temporal layers' cost.");
        Line();
        Line("| B | M | DSNO (ms) | Backbone, batch B (ms) | Backbone, batch M x B (ms) | DSNO / backbone(B) | DSNO / backbone(M x B) | Temporal layers' share of DSNO | Parameters DSNO / backbone | Overhead |");
        Line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var f in _speed.Forward.OrderBy(f => f.B).ThenBy(f => f.M))
            Line($"| {f.B} | {f.M} | {F(f.DsnoSeconds * 1000)} | {F(f.BackboneBatchSeconds * 1000)} | {F(f.BackboneSlicesSeconds * 1000)} | {F(f.DsnoSeconds / f.BackboneBatchSeconds)}x | " +
                 $"**{F(f.DsnoSeconds / f.BackboneSlicesSeconds)}x** | {(f.NoTemporalSeconds < f.DsnoSeconds ? Percent(1 - f.NoTemporalSeconds / f.DsnoSeconds) : "~0 (below timing noise)")} | {N(f.DsnoParameters)} / {N(f.BackboneParameters)} | " +
                 $"+{Percent((double)(f.DsnoParameters - f.BackboneParameters) / f.BackboneParameters)} |");
        Line();
        Line("The authors' PyTorch code on a CPU like ours spends 1.13x to 1.47x a backbone pass over the same number of slices (1.29x for a 16x16, 32-channel, " +
             "[1,2,2]-level network at batch 16 x 4 times); the paper reports 1.5x on a V100 and +10% parameters.");
        Line();
    }

    private void WriteAblations(Dictionary<string, TrainingSummary> students)
    {
        Line("### Tables 4 and 5 analogues: ablations at matched budget");
        Line();
        Line($"Every row: the same records, {N(_config.StudentSteps)} steps of {_config.StudentBatch} records, the same seed and learning rate (a step of a larger M costs more: see s/step). " +
             "Frame RMS: RMS to the reference solve's frames at the model's own times, noisiest first.");
        Line();
        Line("| Variant | M | Times | Loss weights | FD | KID | Precision | Recall | RMS final image | Frame RMS (noisiest to final) | s / step |");
        Line("|---|---:|---|---|---:|---:|---:|---:|---:|---|---:|");
        foreach (var spec in StudentSpec.All.Where(s => s.IsDsno))
        {
            var r = R(spec.Id);
            var s = students.GetValueOrDefault(spec.Id);
            if (r is null) { Line($"| {spec.Label} | {spec.M} | {spec.Grid} | {spec.Weighting} | not evaluated yet | | | | | | |"); continue; }
            Line($"| {spec.Label} | {spec.M} | {spec.Grid} | {(spec.Weighting == Dsno.Training.FrameWeighting.SqrtSnr ? "sqrt-SNR" : "uniform")} | {F(r.Fd)} | {F(r.Kid)} | {F(r.Precision)} | {F(r.Recall)} | " +
                 $"{F(r.RmsToTeacher)} | {string.Join(" / ", r.FrameRms?.Select(v => F(v, 2)) ?? Array.Empty<string>())} | {(s is null ? "n/a" : F(s.SecondsPerStep))} |");
        }
        var kd = R("kd");
        if (kd is not null)
            Line($"| One-step distillation (KD) | 1 | final frame only | - | {F(kd.Fd)} | {F(kd.Kid)} | {F(kd.Precision)} | {F(kd.Recall)} | {F(kd.RmsToTeacher)} | - | " +
                 $"{(students.TryGetValue("kd", out var ks) ? F(ks.SecondsPerStep) : "n/a")} |");
        Line();
        var m4 = R("dsno-m4");
        var uw = R("dsno-m4-uniform-weights");
        var ut = R("dsno-m4-uniform-times");
        var parts = new List<string>();
        if (m4 is not null && uw is not null)
            parts.Add($"sqrt-SNR weights {(m4.Fd <= uw.Fd ? "beat" : "lose to")} uniform weights (FD {F(m4.Fd)} vs {F(uw.Fd)}; paper: 4.21 vs 4.56)");
        if (m4 is not null && ut is not null)
            parts.Add($"quadratic times {(m4.Fd <= ut.Fd ? "beat" : "lose to")} uniform times (FD {F(m4.Fd)} vs {F(ut.Fd)}; paper: 4.21 vs 4.33)");
        var ms = new[] { "dsno-m2", "dsno-m4", "dsno-m8" }.Select(R).ToList();
        if (ms.All(r => r is not null))
            parts.Add($"M = 2 / 4 / 8 give FD {string.Join(" / ", ms.Select(r => F(r!.Fd)))} (paper: 5.01 / 4.21 / 3.98)");
        if (parts.Count > 0) Line("In short: " + string.Join("; ", parts) + ". Differences smaller than the spread between neighbouring solver rows should not be read as real at this sample count.");
        Line();
    }

    private void WriteDecoding(DecodingResult? d)
    {
        if (d?.Models is null || d.Models.Count == 0) return;
        Line("### Continuous-time decoding");
        Line();
        Line($"DSNO trained on the quadratic M = 4 grid, decoded at the quadratic M = 8 grid: the odd points were never trained on. Errors are RMS to the reference solve's " +
             $"frames (denoised estimates) at those times, over the {d.Samples} held-out noises. The decoder evaluates the network on a grid {d.Refinement} times finer in the " +
             "layers' own frame coordinate (piecewise linear in t through the training times) and interpolates linearly between its slices (`ContinuousTimeQuery`); " +
             (d.UntrainedAloneSamePlan ? "decoding the untrained times alone evaluates the same slices and gives the same values. " : "") +
             "\"One pass\" is the plain M = 4 output at the trained times.");
        Line();
        var header = new StringBuilder("| t | Trained at M=4? |");
        var rule = new StringBuilder("|---:|---|");
        foreach (var m in d.Models) { header.Append($" {m.Label}: one pass | {m.Label}: decoded |"); rule.Append("---:|---:|"); }
        header.Append(" DSNO M=8 (trained there, one pass) | Teacher's own M=4 frames, interpolated in t |");
        rule.Append("---:|---:|");
        Line(header.ToString());
        Line(rule.ToString());
        for (int i = 0; i < d.Times.Length; i++)
        {
            var row = new StringBuilder($"| {d.Times[i].ToString("0.######", CultureInfo.InvariantCulture)} | {(d.Trained[i] ? "yes" : "**no**")} |");
            foreach (var m in d.Models) row.Append($" {F(m.OnePass[i])} | {F(m.Decoded[i])} |");
            row.Append($" {F(d.DsnoM8[i])} | {(d.Trained[i] ? "-" : F(d.TeacherInterpolation[i]))} |");
            Line(row.ToString());
        }
        double Mean(double[] v, bool trained) => Enumerable.Range(0, v.Length).Where(i => d.Trained[i] == trained && !double.IsNaN(v[i])).Select(i => v[i]).DefaultIfEmpty(double.NaN).Average();
        Line();
        Line("Mean RMS at the untrained times: " + string.Join("; ", d.Models.Select(m => $"{m.Label} decoded {F(Mean(m.Decoded, false))} (at its trained times: one pass {F(Mean(m.OnePass, true))}, refined pass {F(Mean(m.Decoded, true))})")) +
             $"; DSNO M=8 trained there {F(Mean(d.DsnoM8, false))}; interpolating the teacher's own frames {F(Mean(d.TeacherInterpolation, false))}.");
        Line();
        var sqrt = d.Models.FirstOrDefault(m => m.Id == "dsno-m4");
        if (sqrt is not null)
        {
            var intermediate = Enumerable.Range(0, d.Times.Length).Where(i => d.Trained[i] && d.Times[i] > 0.1).Select(i => sqrt.OnePass[i]).ToList();
            var weights = Dsno.Training.TrajectoryLoss.Weights(new CosineSchedule(), FrameTimes.Quadratic(4), Dsno.Training.FrameWeighting.SqrtSnr);
            if (intermediate.Count > 0 && intermediate.Average() > 0.5)
                Line($"Read the sqrt-SNR rows with care: its loss weights on the grid are [{string.Join(", ", weights.Select(w => F(w, 2)))}] (sqrt-SNR clamped to [1, 1e4]), so the frames at " +
                     $"t > 0.1 carry a ten-thousandth of the final frame's weight, and within this budget they stayed near their starting point (the teacher's noise prediction), " +
                     $"RMS {F(intermediate.Average())} even at the trained times. Decoding between frames that were never learnt cannot be accurate; the uniform-weights model, " +
                     "which learns every frame, is the meaningful test of decoding at unseen times.");
            Line();
        }
        var uniform = d.Models.FirstOrDefault(m => m.Id == "dsno-m4-uniform-weights");
        if (uniform is not null)
        {
            double decodedUntrained = Mean(uniform.Decoded, false), trainedOnePass = Mean(uniform.OnePass, true), m8 = Mean(d.DsnoM8, false), interpolated = Mean(d.TeacherInterpolation, false);
            Line($"Uniform-weights M = 4 at unseen times: mean RMS {F(decodedUntrained)} against {F(trainedOnePass)} at its trained times " +
                 (decodedUntrained <= 1.25 * trainedOnePass ? "(decoding at unseen times costs little accuracy)" : $"({F(decodedUntrained / trainedOnePass, 2)}x the trained-time error)") +
                 $"; simply interpolating the teacher's own frames between the trained times would give {F(interpolated)}" +
                 (interpolated < decodedUntrained ? ", so at this budget the operator's error, not the interpolation between grid points, dominates." : ".") +
                 (double.IsNaN(m8) ? "" : $" DSNO M = 8 (sqrt-SNR), which was trained at these times, reaches {F(m8)} there."));
            Line();
        }
    }

    private void WriteSpectrum(SpectrumResult? s)
    {
        if (s is null) return;
        string path = FigurePath("spectrum");
        Plots.Spectrum(path, $"{_config.Dataset}: temporal power spectrum of the teacher's ODE trajectories", s);
        Line("### Temporal power spectrum (appendix A.1 analogue)");
        Line();
        Line($"{s.Trajectories} trajectories of the reference solver ({s.Solver} {s.Steps} steps with a uniform grid of {s.Points} times inserted); S_j = 2 dt^2 |X_j|^2 with X the " +
             "discrete Fourier transform over time of each pixel, averaged over pixels and trajectories.");
        Line();
        Line($"![temporal power spectrum]({Figure("spectrum")})");
        Line();
        Line($"Share of the power in the lowest modes: denoised estimates: modes 0-1 {Percent(SpectrumResult.Fraction(s.DenoisedMean, 1))}, modes 0-2 {Percent(SpectrumResult.Fraction(s.DenoisedMean, 2))}, " +
             $"modes 0-4 {Percent(SpectrumResult.Fraction(s.DenoisedMean, 4))}; states: modes 0-1 {Percent(SpectrumResult.Fraction(s.StateMean, 1))}, modes 0-4 {Percent(SpectrumResult.Fraction(s.StateMean, 4))}. " +
             "DSNO with M = 4 keeps J = 2 modes (0 and 1), with M = 8 J = 4.");
        Line();
    }

    private void WriteLosses()
    {
        var teacherLoss = LossFile.Read(_paths.TeacherLoss);
        if (teacherLoss.Length > 0) Plots.Losses(FigurePath("loss-teacher"), $"{_config.Dataset}: teacher denoising loss", new[] { ("teacher", teacherLoss) }, 100);
        var series = StudentSpec.All.Select(s => (s.Label, LossFile.Read(_paths.StudentLoss(s.Id)))).Where(s => s.Item2.Length > 0).ToList();
        // Relative to each run's first steps: the weightings put the losses on scales 1e4 apart.
        var relative = series.Select(s => (s.Label, s.Item2.Select(v => v / s.Item2.Take(10).Average()).ToArray())).ToList();
        if (relative.Count > 0) Plots.Losses(FigurePath("loss-students"), $"{_config.Dataset}: student losses relative to their first 10 steps", relative, 25);
    }

    private void WriteFigures()
    {
        Line("### Loss curves and samples");
        Line();
        Line($"![teacher loss]({Figure("loss-teacher")})");
        Line();
        Line($"![student losses]({Figure("loss-students")})");
        Line();
        Line("Student losses are divided by their own mean over the first 10 steps: the raw values are not comparable across weightings (sqrt-SNR weights are clamped to [1, 1e4] and the final frame's weight is the largest; the KD loss has one frame).");
        Line();

        int scale = _config.Architecture.Height <= 8 ? 4 : 3;
        var rows = new List<(string, Tensor)>();
        var sampleIds = new[] { "reference", "ddim-1", "ddim-10", "dpm-solver-2m-10", "heun-10", "kd", "dsno-m2", "dsno-m4", "dsno-m8" };
        if (BestRecipe() is { } best && !sampleIds.Contains(best.Id)) sampleIds = sampleIds.Append(best.Id).ToArray();
        foreach (var id in sampleIds)
        {
            string file = _paths.MethodSamples(id);
            if (File.Exists(file) && R(id) is { } r) rows.Add(($"{r.Label}", TensorFile.Read(file)));
        }
        if (rows.Count > 0)
        {
            ImageGrid.Write(FigurePath("samples"), rows, scale);
            foreach (var (_, t) in rows) t.Dispose();
            Line($"Samples: the first {EvaluationStage.KeptSamples} held-out noises, the same noise in every column.");
            Line();
            Line($"![samples]({Figure("samples")})");
            Line();
        }

        var decodedFiles = DecodingStage.DecodedIds.Where(id => File.Exists(DecodingStage.KeptFramesPath(_paths, id))).ToList();
        if (decodedFiles.Count > 0 && File.Exists(_paths.ReferenceFrames))
        {
            var times = FrameTimes.Quadratic(8);
            var trainedTimes = FrameTimes.Quadratic(4);
            var decodedFrames = decodedFiles.Select(id => (Label: StudentSpec.Get(id).Label, Frames: TensorFile.Read(DecodingStage.KeptFramesPath(_paths, id)))).ToList();
            using var all = TensorFile.Read(_paths.ReferenceFrames);
            using var index = torch.tensor(times.Select(t => (long)EvaluationContext.FrameIndex(t)).ToArray());
            var trajectoryRows = new List<(string, Tensor)>();
            for (int k = 0; k < decodedFrames[0].Frames.shape[0]; k++)
            {
                trajectoryRows.Add(($"reference, noise {k}", all[k].index_select(0, index)));
                foreach (var (label, frames) in decodedFrames) trajectoryRows.Add(($"{label}, decoded", frames[k]));
            }
            var labels = times.Select(t => t.ToString("0.###", CultureInfo.InvariantCulture) + (trainedTimes.Any(u => Math.Abs(u - t) < 1e-9) ? "*" : "")).ToList();
            ImageGrid.Write(FigurePath("trajectories"), trajectoryRows, Math.Max(scale + 1, 48 / _config.Architecture.Width), labels);
            foreach (var (_, t) in trajectoryRows) t.Dispose();
            foreach (var (_, f) in decodedFrames) f.Dispose();
            Line("Trajectories (denoised estimates at the quadratic M = 8 times; * marks the times the M = 4 models were trained at; the others are decoded at times they never saw):");
            Line();
            Line($"![trajectories]({Figure("trajectories")})");
            Line();
        }
    }
}
