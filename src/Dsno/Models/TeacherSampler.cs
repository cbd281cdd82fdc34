namespace Dsno.Models;

/// <summary>
/// A <see cref="DiffusionTeacher"/> with a solver, a step count and optionally frame times inserted into its step list: an
/// <see cref="IImageGenerator"/> that solves the probability-flow ODE for every batch. Shares the teacher; disposes nothing.
/// </summary>
/// <param name="Teacher">The teacher.</param>
/// <param name="Solver">The solver.</param>
/// <param name="Steps">Solver steps.</param>
/// <param name="FrameTimes">Times inserted into the step list (as when recording trajectories), or null.</param>
/// <param name="Guidance">Classifier-free guidance scale w of every row (0: unguided).</param>
public sealed record TeacherSampler(DiffusionTeacher Teacher, OdeSolverDescriptor Solver, int Steps, IReadOnlyList<double>? FrameTimes = null,
    double Guidance = 0)
    : IImageGenerator
{
    /// <inheritdoc/>
    public UNetOptions Architecture => Teacher.Architecture;

    /// <inheritdoc/>
    public long ParameterCount => Teacher.Network.ParameterCount;

    /// <inheritdoc/>
    public long Evaluations => Teacher.Evaluations;

    /// <inheritdoc/>
    public Tensor GenerateImages(Tensor noise, Tensor? labels = null)
    {
        using var w = Guidance.ToScalar();
        using var guidance = Guidance > 0 ? torch.full(noise.shape[0], w, dtype: ScalarType.Float32) : null;
        var (images, frames) = Teacher.Solve(noise, labels, guidance, Solver.Name, Steps, FrameTimes);
        frames?.Dispose();
        return images;
    }
}
