using Dsno.Diffusion;
using Dsno.Training;

namespace Dsno.Bench;

/// <summary>One distilled student: DSNO on a time grid with a loss weighting, or the one-step distillation baseline.</summary>
/// <param name="Id">File-name id.</param>
/// <param name="Label">Name in the tables.</param>
/// <param name="IsDsno">DSNO (true) or one-step distillation (false).</param>
/// <param name="M">Frames (1 for the one-step baseline).</param>
/// <param name="Grid">"quadratic" or "uniform" frame times.</param>
/// <param name="Weighting">Per-frame loss weights.</param>
public sealed record StudentSpec(string Id, string Label, bool IsDsno, int M, string Grid, FrameWeighting Weighting)
{
    /// <summary>The frame times it is trained on.</summary>
    public double[] Times => !IsDsno ? new[] { 0.0 } : Grid == "uniform" ? FrameTimes.Uniform(M) : FrameTimes.Quadratic(M);

    /// <summary>The students of every benchmark, in table order.</summary>
    public static IReadOnlyList<StudentSpec> All { get; } = new[]
    {
        new StudentSpec("kd", "One-step distillation (KD)", false, 1, "-", FrameWeighting.Uniform),
        new StudentSpec("dsno-m2", "DSNO M=2", true, 2, "quadratic", FrameWeighting.SqrtSnr),
        new StudentSpec("dsno-m4", "DSNO M=4", true, 4, "quadratic", FrameWeighting.SqrtSnr),
        new StudentSpec("dsno-m8", "DSNO M=8", true, 8, "quadratic", FrameWeighting.SqrtSnr),
        new StudentSpec("dsno-m4-uniform-weights", "DSNO M=4, uniform loss weights", true, 4, "quadratic", FrameWeighting.Uniform),
        new StudentSpec("dsno-m4-uniform-times", "DSNO M=4, uniform times", true, 4, "uniform", FrameWeighting.SqrtSnr),
    };

    /// <summary>The student with this id.</summary>
    public static StudentSpec Get(string id) => All.First(s => s.Id == id);
}
