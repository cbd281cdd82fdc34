using System.Globalization;

namespace Dsno.Bench;

/// <summary>The report's quality-goal part: DSNO's one pass against the 10-step solver, the training-budget curve and the recipe levers.</summary>
public sealed partial class ReportWriter
{
    /// <summary>The recipe table's students, DSNO rows first: the plain recipe, <see cref="StudentSpec.Recipes"/> and <see cref="StudentSpec.MoreRecords"/>.</summary>
    private IEnumerable<StudentSpec> RecipeRows(bool dsno) =>
        new[] { StudentSpec.Get(dsno ? "dsno-m4" : "kd") }.Concat(StudentSpec.Recipes).Concat(StudentSpec.MoreRecords.Where(_ => _config.TrajectoryCountLever))
            .Where(s => s.IsDsno == dsno);

    /// <summary>
    /// The DSNO M=4 student with the lowest FD at the matched training budget (same steps, batch and seed): the plain recipe, one of
    /// <see cref="StudentSpec.Recipes"/>, or one trained on more records (<see cref="StudentSpec.MoreRecords"/>; the records cost more to generate).
    /// </summary>
    private StudentSpec? BestRecipe() => RecipeRows(dsno: true).Where(s => R(s.Id) is not null).MinBy(s => R(s.Id)!.Fd);

    /// <summary>The DSNO student of <see cref="StudentSpec.MoreRecords"/> and the same recipe on the main records, when both are evaluated.</summary>
    private (StudentSpec More, StudentSpec Main)? RecordsLever()
    {
        var more = RecipeRows(dsno: true).FirstOrDefault(s => s.RecordsFactor > 1 && R(s.Id) is not null);
        var main = more is null ? null
            : RecipeRows(dsno: true).FirstOrDefault(s => s.RecordsFactor == 1 && s.Decay == more.Decay && s.Distance == more.Distance && R(s.Id) is not null);
        return more is null || main is null ? null : (more, main);
    }

    /// <summary>Minutes of training a student took (its run's seconds per step times its steps).</summary>
    private static double Minutes(Dictionary<string, TrainingSummary> students, string id) =>
        students.GetValueOrDefault(id) is { } t ? t.SecondsPerStep * t.Steps / 60 : double.NaN;

    /// <summary>
    /// The power law log FD = a + b log minutes through the last two points of the plain DSNO M=4 budget curve: the local rate at
    /// which more training still lowers FD. Null when they are missing. Used only as a labelled extrapolation.
    /// </summary>
    private (double A, double B)? BudgetPowerLaw(Dictionary<string, TrainingSummary> students)
    {
        var points = StudentSpec.BudgetCurve(dsno: true)
            .Select(id => (X: Math.Log(Minutes(students, id)), Y: R(id) is { } r ? Math.Log(r.Fd) : double.NaN))
            .Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).TakeLast(2).ToList();
        if (points.Count < 2 || points[1].X <= points[0].X) return null;
        double b = (points[1].Y - points[0].Y) / (points[1].X - points[0].X);
        return (points[1].Y - b * points[1].X, b);
    }

    private void WriteQualityGoals(Dictionary<string, TrainingSummary> students)
    {
        var best = BestRecipe();
        var dpm10 = R("dpm-solver-2m-10");
        var reference = R("reference");
        if (best is null || dpm10 is null || reference is null) return;
        var dsno = R(best.Id)!;
        var baseline = StudentSpec.OneStepWithRecipeOf(best) is { } k && R(k.Id) is { } kr ? (Spec: k, Result: kr) : default;
        Line("### Goals of issue 12: one DSNO pass against the 10-step solver");
        Line();
        Line($"The DSNO M=4 row is the best recipe at the matched budget (**{best.Label}**, see the recipe table); every recipe trains the same network, so its speed is DSNO M=4's.");
        Line();
        Line("| Goal | Target | Measured | Status |");
        Line("|---|---|---|---|");
        Goal("DSNO M=4, one pass: FD no worse than DPM-Solver++(2M) 10 steps", $"<= {F(dpm10.Fd)}", F(dsno.Fd), dsno.Fd <= dpm10.Fd, dsno.Fd / dpm10.Fd - 1, "higher");
        Goal("DSNO M=4, one pass: FD at most 1.5x the reference solver's", $"<= 1.5 x {F(reference.Fd)} = {F(1.5 * reference.Fd)}", F(dsno.Fd), dsno.Fd <= 1.5 * reference.Fd,
            dsno.Fd / (1.5 * reference.Fd) - 1, "above the limit");
        double tDsno = SecondsPer1000("dsno-m4"), tDpm = SecondsPer1000("dpm-solver-2m-10");
        if (!double.IsNaN(tDsno) && !double.IsNaN(tDpm))
            Goal("DSNO M=4 still at least 2x the images per second of DPM-Solver++(2M) 10 steps (one process)", ">= 2x", $"{F(tDpm / tDsno)}x ({F(tDsno)} s vs {F(tDpm)} s per 1,000)",
                tDpm / tDsno >= 2, 2 / (tDpm / tDsno) - 1, "slower than the target");
        if (baseline.Result is { } kd)
            Line($"| One-step distillation with the same recipe and budget in the table | present | {baseline.Spec.Label}: FD {F(kd.Fd)} (DSNO M=4 {(dsno.Fd < kd.Fd ? Percent(1 - dsno.Fd / kd.Fd) + " lower" : Percent(dsno.Fd / kd.Fd - 1) + " higher")}) | **met** |");
        else
            Line($"| One-step distillation with the same recipe and budget in the table | present | no one-step row with {best.Decay} decay and {best.Distance} | **missed** |");
        Line();

        // Which measured lever would close a missed FD goal: the budget curve's slope, the recipe's factor, and more records' factor.
        double target = Math.Min(dpm10.Fd, 1.5 * reference.Fd);
        if (dsno.Fd > target && RecordsLever() is { } lever)
        {
            double fdMain = R(lever.Main.Id)!.Fd, fdMore = R(lever.More.Id)!.Fd;
            var generation = JsonFiles.Read<TrajectorySummary>(_paths.TrajectoryInfoOf(lever.More.Records(_config), _config.TrajectoryCount));
            var mainGeneration = JsonFiles.Read<TrajectorySummary>(_paths.TrajectoryInfo);
            string cost = generation is null ? "" : $"; the {N(generation.GeneratedThisRun)} further records took {F(generation.SecondsThisRun / 60)} min to generate ({F(generation.SecondsPerRecord)} s each, {generation.Threads} thread{(generation.Threads == 1 ? "" : "s")}" +
                (mainGeneration is { GeneratedThisRun: > 0 } ? $"; the main records {F(mainGeneration.SecondsPerRecord)} s each in their run, so the cores' load differed" : "") + ")";
            string text = $"Measured trajectory-count lever: {N(lever.More.Records(_config))} instead of {N(_config.TrajectoryCount)} records, same recipe and training steps, " +
                          $"took FD from {F(fdMain)} to {F(fdMore)} ({F(fdMore / fdMain, 2)}x){cost}. ";
            if (fdMore < fdMain)
            {
                // FD ~ records^b through the two points: a labelled extrapolation of how many records the gap would take.
                double b = Math.Log(fdMore / fdMain) / Math.Log(lever.More.RecordsFactor);
                double needed = _config.TrajectoryCount * Math.Exp(Math.Log(target / fdMain) / b);
                text += $"If FD kept falling as records^{F(b, 2)} (these two points), FD {F(target)} would take about {N((long)Math.Round(needed))} records at the same budget " +
                        "(an extrapolation, not a measurement; longer training would have to come with them, as each record is seen fewer times).";
            }
            else if (BudgetPowerLaw(students) is { B: > -0.15 } flat && R("dsno-m4") is { } plainFd && R(StudentSpec.BudgetCurve(dsno: true)[^1]) is { } doubled)
                text += $"Neither measured lever closes the gap: twice the steps on the same records took the plain DSNO M=4 from FD {F(plainFd.Fd)} to {F(doubled.Fd)} and had flattened " +
                        $"(FD ~ minutes^{F(flat.B, 2)} over its last two points), and twice the records at the same steps did not lower FD. The levers left are both together " +
                        "(more records with proportionally more steps), a larger student and a better teacher; none is measured here.";
            else
                text += "More records did not lower FD at this budget: each record is seen half as often, so the training budget, not the records, limits it here.";
            Line(text);
            Line();
        }
        else if (dsno.Fd > target && BudgetPowerLaw(students) is { } law && R("dsno-m4") is { } plain)
        {
            double matched = Minutes(students, "dsno-m4");
            string text;
            if (law.B > -0.15)
                text = $"The plain DSNO M=4 budget curve has flattened (FD ~ minutes^{F(law.B, 2)} between its last two points), so more training time on these records alone would not close the gap to {F(target)}; " +
                       $"the recipe ({best.Label}: {F(dsno.Fd / plain.Fd, 2)}x the plain FD at the matched budget) is the measured lever that moved it, and more or more varied trajectories " +
                       $"({N(_config.TrajectoryCount)} here, against the authors' 1M for CIFAR-10) or a larger student are the levers left to measure.";
            else
            {
                double Needed(double factor) => Math.Exp((Math.Log(target / factor) - law.A) / law.B);
                double factor = dsno.Fd / plain.Fd;
                double plainMinutes = Needed(1), bestMinutes = Needed(factor);
                text = $"Measured levers: training time (the plain DSNO M=4 curve falls as FD ~ minutes^{F(law.B, 2)} between its last two points) and the recipe " +
                       $"({best.Label}: {F(factor, 2)}x the plain FD at the matched budget). Extrapolating that power law, the plain recipe reaches FD {F(target)} after about {F(plainMinutes, 2)} min of training here " +
                       $"({F(plainMinutes / matched, 2)}x the matched budget's {F(matched, 2)} min)" +
                       (factor < 1 ? $", and the best recipe, if its factor holds at longer budgets, after about {F(bestMinutes, 2)} min ({F(bestMinutes / matched, 2)}x)." : ".") +
                       " These are extrapolations of the measured curve, not measurements.";
            }
            Line(text);
            Line();
        }
    }

    /// <summary>DSNO M=4 and the one-step baseline on the budget curve (<see cref="StudentSpec.Budget"/>), and the FD-against-minutes picture.</summary>
    private void WriteBudget(Dictionary<string, TrainingSummary> students)
    {
        var lines = new (string Name, IReadOnlyList<string> Ids)[] { ("DSNO M=4", StudentSpec.BudgetCurve(dsno: true)), ("One-step distillation (KD)", StudentSpec.BudgetCurve(dsno: false)) };
        if (!lines.Any(l => l.Ids.Any(id => R(id) is not null && id != "dsno-m4" && id != "kd"))) return;
        var reference = R("reference");
        Line("### Training budget");
        Line();
        Line($"DSNO M=4 and the one-step baseline, each one run of twice the matched budget ({N(_config.StudentSteps)} steps of {_config.StudentBatch} records); the shorter budgets are snapshots " +
             "of its averaged weights, which with a learning rate constant after warm-up are bit for bit the models of runs of that length (TrainingSnapshotTests). Same records, seed and learning rate.");
        Line();
        Line("| Student | Steps | Passes over the records | Training time (min) | FD | FD / reference FD | RMS to reference |");
        Line("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, ids) in lines)
            foreach (var id in ids)
            {
                var r = R(id);
                int steps = StudentSpec.Get(id).Steps(_config);
                if (r is null) { Line($"| {name} | {N(steps)} | | | not evaluated yet | | |"); continue; }
                Line($"| {name} | {N(steps)} | {F((double)steps * _config.StudentBatch / Math.Max(1, _config.TrajectoryCount), 2)} | {F(Minutes(students, id))} | " +
                     $"{F(r.Fd)} | {(reference is null ? "-" : F(r.Fd / reference.Fd) + "x")} | {F(r.RmsToTeacher)} |");
            }
        Line();
        var curve = StudentSpec.BudgetCurve(dsno: true).Select(R).ToArray();
        if (curve.All(r => r is not null) && reference is not null)
        {
            double last = curve[^1]!.Fd, previous = curve[^3]!.Fd, target = 1.5 * reference.Fd;
            Line(last < previous
                ? $"Doubling the budget took DSNO M=4 from FD {F(previous)} to {F(last)} ({Percent(1 - last / previous)} lower); the 1.5x-reference target is {F(target)}" +
                  (last <= target ? ", which the doubled budget meets." : ", still " + Percent(last / target - 1) + " away; FD had not stopped falling.")
                : $"Doubling the budget did not lower DSNO M=4's FD ({F(previous)} to {F(last)}; RMS to the reference {F(curve[^3]!.RmsToTeacher)} to {F(curve[^1]!.RmsToTeacher)}): " +
                  "the curve has levelled off on these records.");
            Line();
        }
        WriteBudgetPlot(students);
    }

    private void WriteBudgetPlot(Dictionary<string, TrainingSummary> students)
    {
        var series = new List<(string Label, double[] Minutes, double[] Fd, bool Line)>();
        foreach (var (label, dsno) in new[] { ("DSNO M=4 (constant rate, L1)", true), ("One-step distillation (constant rate, L1)", false) })
        {
            var points = StudentSpec.BudgetCurve(dsno).Where(id => R(id) is not null && double.IsFinite(Minutes(students, id))).ToList();
            if (points.Count > 0) series.Add((label, points.Select(id => Minutes(students, id)).ToArray(), points.Select(id => R(id)!.Fd).ToArray(), true));
        }
        foreach (var recipe in RecipeRows(true).Concat(RecipeRows(false)).Where(s => s.Id is not "dsno-m4" and not "kd" && R(s.Id) is not null && double.IsFinite(Minutes(students, s.Id))))
            series.Add((recipe.Label, new[] { Minutes(students, recipe.Id) }, new[] { R(recipe.Id)!.Fd }, false));
        if (series.Count == 0) return;
        var levels = new List<(string, double)>();
        if (R("dpm-solver-2m-10") is { } dpm) levels.Add(("DPM-Solver++(2M) 10 steps", dpm.Fd));
        if (R("reference") is { } reference)
        {
            levels.Add(("1.5x the reference", 1.5 * reference.Fd));
            levels.Add(("reference (DDIM)", reference.Fd));
        }
        Plots.FdAgainstMinutes(FigurePath("fd-minutes"), $"{_config.Dataset}: FD against training time", series, levels);
        Line($"![FD against training minutes]({Figure("fd-minutes")})");
        Line();
    }

    /// <summary>The recipe levers (<see cref="StudentSpec.Recipes"/>) beside the plain DSNO M=4 and one-step rows.</summary>
    private void WriteRecipes(Dictionary<string, TrainingSummary> students)
    {
        var rows = RecipeRows(dsno: true).Concat(RecipeRows(dsno: false)).ToList();
        if (!rows.Any(s => s.Id is not "dsno-m4" and not "kd" && R(s.Id) is not null)) return;
        var reference = R("reference");
        Line("### Recipe levers");
        Line();
        Line($"Each row: {N(_config.StudentSteps)} steps of {_config.StudentBatch} records, the same seed and peak learning rate; only the named lever differs " +
             "(cosine: the learning rate falls from the peak to zero over the steps after warm-up; pseudo-Huber: sqrt(d^2 + c^2) - c per frame with c = 0.00054 sqrt(pixels), the distance of improved consistency training, instead of L1; " +
             $"2x trajectories: the first {N(_config.TrajectoryCount)} records and as many more from the same noise stream, so each record is seen half as often). " +
             "Training times are wall times on the shared cores: rows trained beside more other jobs took longer for the same work.");
        Line();
        Line("| Student | Learning-rate decay | Distance | Trajectories | FD | FD / reference FD | RMS to reference | Training time (min) |");
        Line("|---|---|---|---:|---:|---:|---:|---:|");
        foreach (var spec in rows)
        {
            var r = R(spec.Id);
            string head = $"| {spec.Label} | {spec.Decay} | {spec.Distance} | {N(spec.Records(_config))} |";
            if (r is null) { Line($"{head} not evaluated yet | | | |"); continue; }
            Line($"{head} {F(r.Fd)} | {(reference is null ? "-" : F(r.Fd / reference.Fd) + "x")} | {F(r.RmsToTeacher)} | {F(Minutes(students, spec.Id))} |");
        }
        Line();
        if (BestRecipe() is { } best && R(best.Id) is { } b && R("dsno-m4") is { } plain)
            Line(best.Id == "dsno-m4"
                ? $"No lever beat the plain recipe (FD {F(plain.Fd)}) at this budget."
                : $"Best DSNO recipe: {best.Label}, FD {F(b.Fd)} against the plain recipe's {F(plain.Fd)} ({Percent(1 - b.Fd / plain.Fd)} lower).");
        Line();
    }
}
