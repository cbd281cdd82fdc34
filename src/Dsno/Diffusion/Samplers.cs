namespace Dsno.Diffusion;

/// <summary>The ODE solvers: the one list of <see cref="OdeSolverDescriptor"/>s, looked up by name.</summary>
public static class Samplers
{
    /// <summary>DDIM, one evaluation per step, uniform steps.</summary>
    public static OdeSolverDescriptor Ddim { get; } = new("ddim", "DDIM", Solvers.Ddim.Sample, false, n => n);
    /// <summary>DPM-Solver++(2M), one evaluation per step, Karras steps.</summary>
    public static OdeSolverDescriptor DpmSolver2M { get; } = new("dpm-solver-2m", "DPM-Solver++(2M)", Solvers.DpmSolver2M.Sample, true, n => n);
    /// <summary>Heun, 2N - 2 evaluations for N &gt;= 2 steps, Karras steps.</summary>
    public static OdeSolverDescriptor Heun { get; } = new("heun", "Heun", Solvers.Heun.Sample, true, Solvers.Heun.Evaluations);
    /// <summary>Euler, one evaluation per step, uniform steps.</summary>
    public static OdeSolverDescriptor Euler { get; } = new("euler", "Euler", Solvers.Euler.Sample, false, n => n);

    /// <summary>Every solver, in this order: ddim, dpm-solver-2m, heun, euler.</summary>
    public static IReadOnlyList<OdeSolverDescriptor> All { get; } = new[] { Ddim, DpmSolver2M, Heun, Euler };

    /// <summary>The valid names: <c>ddim</c>, <c>dpm-solver-2m</c>, <c>heun</c>, <c>euler</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(s => s.Name).ToArray();

    /// <summary>The solver called <paramref name="name"/>.</summary>
    public static Sampler Get(string name) => Find(name).Sample;

    /// <summary>Model evaluations that a run of <paramref name="steps"/> steps of the solver <paramref name="name"/> makes.</summary>
    public static int Evaluations(string name, int steps) => Find(name).Evaluations(steps);

    /// <summary>
    /// Model evaluations of a run guided with classifier-free guidance at scale <paramref name="guidance"/>: twice
    /// <see cref="Evaluations(string, int)"/> when w &gt; 0 (a conditional and a null-class prediction per call), the same at w = 0.
    /// </summary>
    public static int Evaluations(string name, int steps, double guidance) =>
        ClassifierFreeGuidance.Check(guidance) > 0 ? ClassifierFreeGuidance.EvaluationsPerCall * Evaluations(name, steps) : Evaluations(name, steps);

    /// <summary>The solver called <paramref name="name"/>; throws <see cref="ArgumentOutOfRangeException"/> naming the valid ones.</summary>
    public static OdeSolverDescriptor Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var solver in All)
            if (solver.Name == name) return solver;
        throw new ArgumentOutOfRangeException(nameof(name), name, $"unknown sampler; valid names: {string.Join(", ", Names)}");
    }
}
