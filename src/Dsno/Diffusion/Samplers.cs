using Dsno.Diffusion.Solvers;

namespace Dsno.Diffusion;

/// <summary>The ODE solvers by name, and what a run of each costs in model evaluations.</summary>
public static class Samplers
{
    private static readonly (string Name, Sampler Sample, Func<int, int> Evaluations)[] All =
    {
        ("ddim", Ddim.Sample, n => n),
        ("dpm-solver-2m", DpmSolver2M.Sample, n => n),
        ("heun", Heun.Sample, Heun.Evaluations),
        ("euler", Euler.Sample, n => n),
    };

    /// <summary>The valid names: <c>ddim</c>, <c>dpm-solver-2m</c>, <c>heun</c>, <c>euler</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(s => s.Name).ToArray();

    /// <summary>The solver called <paramref name="name"/>.</summary>
    public static Sampler Get(string name) => Find(name).Sample;

    /// <summary>Model evaluations that a run of <paramref name="steps"/> steps of the solver <paramref name="name"/> makes.</summary>
    public static int Evaluations(string name, int steps)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "a run needs at least 1 step");
        return Find(name).Evaluations(steps);
    }

    /// <summary>
    /// Model evaluations of a run guided with classifier-free guidance at scale <paramref name="guidance"/>: twice
    /// <see cref="Evaluations(string, int)"/> when w &gt; 0 (a conditional and a null-class prediction per call), the same at w = 0.
    /// </summary>
    public static int Evaluations(string name, int steps, double guidance) =>
        ClassifierFreeGuidance.Check(guidance) > 0 ? ClassifierFreeGuidance.EvaluationsPerCall * Evaluations(name, steps) : Evaluations(name, steps);

    private static (string Name, Sampler Sample, Func<int, int> Evaluations) Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var entry in All)
            if (entry.Name == name) return entry;
        throw new ArgumentOutOfRangeException(nameof(name), name, $"unknown sampler; valid names: {string.Join(", ", Names)}");
    }
}
