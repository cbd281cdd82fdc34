using Dsno.Diffusion;

namespace Dsno.MLNet;

/// <summary>
/// Probability-flow ODE solvers for sampling a teacher: one value per core <see cref="OdeSolverDescriptor"/> in
/// <see cref="Samplers.All"/>, matched by name (<c>DpmSolver2M</c> is <c>dpm-solver-2m</c>).
/// </summary>
public enum OdeSolver
{
    /// <summary>DDIM: the first-order exponential integrator (Song et al. 2021), one model evaluation per step.</summary>
    Ddim,
    /// <summary>DPM-Solver++(2M) (Lu et al. 2022) on Karras et al.'s step list: second order, multistep, one evaluation per step.</summary>
    DpmSolver2M,
    /// <summary>Heun's method in Karras et al.'s form (2022, Algorithm 1) on their step list: second order, 2N - 2 evaluations for N &gt;= 2 steps.</summary>
    Heun,
    /// <summary>Euler's method on the ODE in t, steps uniform in t: first order, one evaluation per step.</summary>
    Euler,
}

/// <summary>Maps <see cref="OdeSolver"/> to the core's solver descriptors and names.</summary>
public static class OdeSolverNames
{
    private static string Key(string name) => name.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>The core descriptor of <paramref name="solver"/>.</summary>
    public static OdeSolverDescriptor Descriptor(this OdeSolver solver) =>
        Samplers.All.FirstOrDefault(d => Key(d.Name) == Key(solver.ToString()))
        ?? throw new ArgumentOutOfRangeException(nameof(solver), solver, "unknown solver");

    /// <summary>The core name ("ddim", "dpm-solver-2m", "heun", "euler").</summary>
    public static string ToCoreName(this OdeSolver solver) => solver.Descriptor().Name;

    /// <summary>The enum value of a core name; throws <see cref="ArgumentOutOfRangeException"/> naming the valid ones.</summary>
    public static OdeSolver FromCoreName(string name) => Enum.Parse<OdeSolver>(Key(Samplers.Find(name).Name), ignoreCase: true);
}
