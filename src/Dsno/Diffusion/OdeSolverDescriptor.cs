namespace Dsno.Diffusion;

/// <summary>
/// One probability-flow ODE solver as everything else names, lists and prices it: its name (as the CLI, the model files and the
/// benchmark write it), the sampler, the step list it uses by default and the model evaluations a run of it makes.
/// </summary>
/// <param name="Name">The name: <c>ddim</c>, <c>dpm-solver-2m</c>, <c>heun</c> or <c>euler</c>.</param>
/// <param name="DisplayName">The name for people ("DPM-Solver++(2M)").</param>
/// <param name="Sample">The sampler.</param>
/// <param name="UsesKarrasSteps">
/// Whether its default step list is Karras et al.'s (t = 1, then rho = 7 from s = 80) rather than uniform in t. Chosen by measurement:
/// at 10 steps on both benchmark teachers (docs/benchmarks.md, "Step lists") Karras's list gave DPM-Solver++(2M) and Heun their lowest or
/// near-lowest FD, while DDIM did best on the uniform list.
/// </param>
/// <param name="EvaluationsPerRun">Model evaluations of a run of N steps from t = 1.</param>
public sealed record OdeSolverDescriptor(string Name, string DisplayName, Sampler Sample, bool UsesKarrasSteps, Func<int, int> EvaluationsPerRun)
{
    /// <summary>The default step list of a run of <paramref name="steps"/> steps on <paramref name="schedule"/>.</summary>
    public double[] DefaultStepTimes(NoiseSchedule schedule, int steps) =>
        UsesKarrasSteps ? StepTimes.Karras(schedule, steps) : StepTimes.Uniform(steps);

    /// <summary>Model evaluations that a run of <paramref name="steps"/> steps makes.</summary>
    public int Evaluations(int steps)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "a run needs at least 1 step");
        return EvaluationsPerRun(steps);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
