using Dsno.Diffusion;

namespace Dsno.Bench;

/// <summary>A row of the sample-quality table: a teacher solver at a step count, the reference solve, or a trained student.</summary>
/// <param name="Id">File-name id.</param>
/// <param name="Label">Name in the tables.</param>
/// <param name="Solver">Solver name for solver rows, null for students.</param>
/// <param name="Steps">Solver steps.</param>
/// <param name="StudentId">Student id for student rows.</param>
/// <param name="IsReference">The teacher's reference solve (the trajectories' solver, frame times inserted).</param>
/// <param name="InMainTable">Shown in the Table 1 analogue (ablation-only students are not).</param>
public sealed record MethodSpec(string Id, string Label, string? Solver, int Steps, string? StudentId, bool IsReference, bool InMainTable)
{
    /// <summary>Every method of a configuration, in table order.</summary>
    public static IReadOnlyList<MethodSpec> All(BenchConfig config)
    {
        var list = new List<MethodSpec>();
        foreach (int n in new[] { 1, 2, 4, 10, 20, 50 }.Where(n => n < config.ReferenceSteps))
            list.Add(SolverRow(Samplers.Ddim, n));
        list.Add(new MethodSpec("reference", $"DDIM {config.ReferenceSteps} (reference)", config.ReferenceSolver, config.ReferenceSteps, null, true, true));
        foreach (int n in new[] { 5, 10, 20 }) list.Add(SolverRow(Samplers.DpmSolver2M, n));
        foreach (int n in new[] { 10, 20 }) list.Add(SolverRow(Samplers.Heun, n));
        foreach (var s in StudentSpec.TrainedIn(config))
            list.Add(new MethodSpec(s.Id, s.Label, null, 0, s.Id, false, s.Id is "kd" or "dsno-m2" or "dsno-m4" or "dsno-m8"));
        return list;
    }

    private static MethodSpec SolverRow(OdeSolverDescriptor solver, int steps) =>
        new($"{solver.Name}-{steps}", $"{solver.DisplayName} {steps} step{(steps == 1 ? "" : "s")}", solver.Name, steps, null, false, true);
}
