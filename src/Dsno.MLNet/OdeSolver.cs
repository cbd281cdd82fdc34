namespace Dsno.MLNet;

/// <summary>Probability-flow ODE solvers for sampling a teacher.</summary>
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

/// <summary>Maps <see cref="OdeSolver"/> to the core's solver names.</summary>
public static class OdeSolverNames
{
    /// <summary>The core name ("ddim", "dpm-solver-2m", "heun", "euler").</summary>
    public static string ToCoreName(this OdeSolver solver) => solver switch
    {
        OdeSolver.Ddim => "ddim",
        OdeSolver.DpmSolver2M => "dpm-solver-2m",
        OdeSolver.Heun => "heun",
        OdeSolver.Euler => "euler",
        _ => throw new ArgumentOutOfRangeException(nameof(solver), solver, "unknown solver"),
    };

    /// <summary>The enum value of a core name.</summary>
    public static OdeSolver FromCoreName(string name) => name switch
    {
        "ddim" => OdeSolver.Ddim,
        "dpm-solver-2m" => OdeSolver.DpmSolver2M,
        "heun" => OdeSolver.Heun,
        "euler" => OdeSolver.Euler,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown solver; expected ddim, dpm-solver-2m, heun or euler"),
    };
}
