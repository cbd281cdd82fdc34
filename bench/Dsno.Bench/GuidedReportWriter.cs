using System.Globalization;
using System.Text;
using Dsno.Metrics;

namespace Dsno.Bench;

/// <summary>
/// Writes the guided benchmark's section of the benchmarks file: setup, the table over w, the goals of issue 14 per w and variant, a
/// precision-recall picture over w, and what the numbers say (each sentence computed from the rows). <c>rewrittenBy</c> is the
/// <c>--report-only</c> command that rewrites the section from a run's stored rows, or null in the run itself.
/// </summary>
public sealed class GuidedReportWriter(GuidedDataset dataset, GuidedBench.Sizes sizes, GuidedRun run, string? rewrittenBy, QualityReport floor, double floorAccuracy,
    string classifier, long teacherParameters, long conditionedParameters)
{
    private readonly IReadOnlyList<GuidedResult> rows = run.Rows;
    private readonly StringBuilder _text = new();

    /// <summary>
    /// The section's name: <c>guided</c> on the digits, <c>guided-DATASET</c> on another data set; then <see cref="GuidedBench.Sizes.Suffix"/>,
    /// and <c>-smoke</c> for a smoke run.
    /// </summary>
    public static string Section(GuidedBench.Sizes sizes) =>
        "guided" + (sizes.Dataset == "digits" ? "" : "-" + sizes.Dataset) + sizes.Suffix + (sizes.Smoke ? "-smoke" : "");

    /// <summary>Replaces the section in <paramref name="reportPath"/> and writes the picture next to it.</summary>
    public void Write(string reportPath)
    {
        string name = Section(sizes);
        string picture = name + "-precision-recall.png";
        Plots.PrecisionRecall(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(reportPath))!, picture), $"Guided {dataset.Title}: precision against recall over w",
            Methods().Select(m => (m, Of(m).Select(r => (r.W, r.Recall, r.Precision)).ToArray())).ToList());

        Line($"## Classifier-free guidance ({dataset.Title}{(sizes.Frames == 4 ? "" : $", M = {sizes.Frames}")}{(sizes.WPower == 1 ? "" : $", w = max u^{sizes.WPower}")}, " +
             $"`guided{(sizes.Dataset == "digits" ? "" : " --dataset " + sizes.Dataset)}{(sizes.Frames == 4 ? "" : " --frames " + sizes.Frames)}{(sizes.WPower == 1 ? "" : " --w-power " + sizes.WPower)}`)");
        Line();
        Line($"Command: `{run.Command}`; run {run.Started.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}, {F(run.Minutes, 0)} min in this process " +
             "(the teacher, the classifier and any student already in the output folder are loaded, not trained again)." +
             (rewrittenBy is null ? "" : $" This section was rewritten from that run's stored rows by `{rewrittenBy}`."));
        Line();
        Line($"Machine: {MachineInfo.Describe()}; {sizes.Threads} torch thread{(sizes.Threads == 1 ? "" : "s")}. The cores may be shared with other jobs: times are one pass each, and only ratios within a w (a few seconds apart) are compared.");
        Line();
        WriteSetup();
        WriteTable();
        WriteGoals();
        Line($"![Precision against recall over w]({picture})");
        Line();
        WriteFindings();
        ReportSection.Replace(reportPath, name, _text.ToString(), ReportWriter.FileHeader);
    }

    private void WriteSetup()
    {
        int k = sizes.Ws.Length;
        Line($"Teacher: class-conditional U-Net ({dataset.DescribeArchitecture()}, {N(teacherParameters)} parameters), " +
             $"label dropout 0.1 toward a null class, {N(sizes.TeacherSteps)} steps of {dataset.TeacherBatch}, lr {dataset.TeacherLearningRate.ToString(CultureInfo.InvariantCulture)}. Guided prediction eps = (1 + w) eps(x, t, y) - w eps(x, t, null), " +
             $"two evaluations per step at w > 0. Trajectories: guided DDIM-50 from noise seed 1 with uniform random labels, frames at the quadratic M = {sizes.Frames} grid " +
             $"({string.Join(", ", sizes.FrameGrid.Select(t => F(t, 4)))}); record i depends only on i.");
        Line();
        string draw = (sizes.WPower == 1 ? "uniform" : $"max u^{sizes.WPower}, u uniform,") + $" in [0, {F(sizes.Ws.Max(), 2)}] per record";
        Line($"| Variant | Trajectories | Training steps (batch {dataset.StudentBatch}, lr 5e-4) | w in training |");
        Line("|---|---:|---:|---|");
        Line($"| {GuidedResult.PerW} | {N(sizes.Trajectories)} per model, {k} models | {N(sizes.StudentSteps)} per model | one fixed w per model |");
        Line($"| {GuidedResult.Conditioned} ({N(conditionedParameters)} parameters) | {N(sizes.Trajectories)} | {N(sizes.StudentSteps)} | {draw} |");
        Line($"| {GuidedResult.ConditionedMatched} | {N(sizes.Trajectories * k)} | {N(sizes.StudentSteps * k)} | {draw} |");
        Line();
        Line($"Scored on {N(sizes.Eval)} held-out noises (seed 2) with balanced labels (row i asks for class i mod 10). Classifier: {classifier}. " +
             $"Floor ({dataset.Data.FloorDescription}): FD {F(floor.FrechetDistance)}, precision {F(floor.Precision)}, recall {F(floor.Recall)}; " +
             $"the classifier's accuracy on the real reference images {floorAccuracy.ToString("P1", CultureInfo.InvariantCulture)}.");
        Line();
    }

    private void WriteTable()
    {
        Line("| w | Method | Evaluations per image | FD | Precision | Recall | Class accuracy | Time / 1,000 images (s) |");
        Line("|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            Line($"| {F(r.W, 2)} | {r.Method} | {r.Evaluations} | {F(r.Fd)} | {F(r.Precision)} | {F(r.Recall)} | {P(r.ClassAccuracy)} | {F(r.SecondsPer1000)} |");
        Line();
    }

    private void WriteGoals()
    {
        Line("Goals of issue 14, per w and variant:");
        Line();
        Line("| w | Variant | Class accuracy within 2 points of guided DDIM-50's (either side: more on-class than the teacher is not faithful to w either) | FD within 1.5x of guided DDIM-50 | At least 4x the images/s of guided DPM-Solver++(2M)-10 |");
        Line("|---:|---|---|---|---|");
        int total = 0, met = 0;
        foreach (double w in sizes.Ws)
        {
            var ddim = Find(GuidedResult.Ddim50, w);
            var dpm = Find(GuidedResult.DpmSolver10, w);
            foreach (var r in GuidedResult.DsnoMethods.Select(m => Find(m, w)))
            {
                double gap = (ddim.ClassAccuracy - r.ClassAccuracy) * 100, ratio = r.Fd / ddim.Fd, speed = dpm.SecondsPer1000 / r.SecondsPer1000;
                bool[] checks = { Math.Abs(gap) <= 2, ratio <= 1.5, speed >= 4 };
                total += checks.Length;
                met += checks.Count(c => c);
                Line($"| {F(w, 2)} | {r.Method} | {Met(checks[0])} ({P(r.ClassAccuracy)} vs {P(ddim.ClassAccuracy)}) | {Met(checks[1])} ({F(ratio, 2)}x) | " +
                     $"{Met(checks[2])} ({F(speed, 1)}x{(w == 0 ? "; DPM-Solver++ is unguided at w = 0, " + dpm.Evaluations + " evaluations" : "")}) |");
            }
        }
        Line();
        Line($"{met} of {total} goal checks met.");
        Line();
    }

    private void WriteFindings()
    {
        Line("What the rows say:");
        Line();
        double w0 = sizes.Ws.Min(), w1 = sizes.Ws.Max();
        var a = Find(GuidedResult.Ddim50, w0);
        var b = Find(GuidedResult.Ddim50, w1);
        Line($"- The guided teacher (DDIM-50) from w = {F(w0, 2)} to {F(w1, 2)}: class accuracy {P(a.ClassAccuracy)} to {P(b.ClassAccuracy)}, precision {F(a.Precision)} to {F(b.Precision)}, " +
             $"recall {F(a.Recall)} to {F(b.Recall)}, FD {F(a.Fd)} to {F(b.Fd)}.");
        foreach (var method in GuidedResult.DsnoMethods)
        {
            var ratios = sizes.Ws.Select(w => Find(method, w).Fd / Find(GuidedResult.Ddim50, w).Fd).ToArray();
            Line($"- {method}: FD {F(ratios.Min(), 2)}x to {F(ratios.Max(), 2)}x guided DDIM-50's over the {sizes.Ws.Length} values of w; " +
                 $"mean FD {F(Of(method).Average(r => r.Fd))}.");
        }
        var wins = sizes.Ws.Count(w => Find(GuidedResult.ConditionedMatched, w).Fd < Find(GuidedResult.PerW, w).Fd);
        Line($"- At the matched total budget the one w-conditioned model has the lower FD than the per-w models at {wins} of {sizes.Ws.Length} values of w " +
             $"(mean FD {F(Of(GuidedResult.ConditionedMatched).Average(r => r.Fd))} against {F(Of(GuidedResult.PerW).Average(r => r.Fd))}); " +
             $"at one model's budget it has {F(Of(GuidedResult.Conditioned).Average(r => r.Fd))}.");
        var teacherLow = Find(GuidedResult.Ddim50, w0);
        Line($"- Class accuracy at w = {F(w0, 2)} against the teacher's {P(teacherLow.ClassAccuracy)}: " +
             string.Join(", ", GuidedResult.DsnoMethods.Select(m => $"{m} {P(Find(m, w0).ClassAccuracy)}")) +
             " (more on-class than the teacher means the student leans toward the guided end at the unguided one).");
        Line("- One run, one seed, small budgets; single rows can move by tens of percent between runs.");
        Line();
    }

    private IEnumerable<string> Methods() => rows.Select(r => r.Method).Distinct();
    private IEnumerable<GuidedResult> Of(string method) => rows.Where(r => r.Method == method).OrderBy(r => r.W);
    private GuidedResult Find(string method, double w) => rows.Single(r => r.Method == method && r.W == w);
    private static string Met(bool met) => met ? "met" : "**missed**";
    private static string F(double x, int digits = 3) => x.ToString(digits <= 0 ? "0" : "0." + new string('#', digits), CultureInfo.InvariantCulture);
    private static string N(long x) => x.ToString("N0", CultureInfo.InvariantCulture);
    private static string P(double x) => x.ToString("P1", CultureInfo.InvariantCulture);
    private void Line(string text = "") => _text.Append(text).Append('\n');
}
