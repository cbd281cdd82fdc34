using Dsno.Models;

namespace Dsno.Cli.Infrastructure;

/// <summary>
/// A saved generator as the <c>sample</c> and <c>eval</c> verbs use it: a DSNO operator (one forward pass per batch) or a diffusion
/// teacher (an ODE solve per batch), with the same Noise (and Label) input and Trajectory / Image output columns.
/// </summary>
/// <param name="Path">The file it was loaded from.</param>
/// <param name="Dsno">The DSNO operator, or null for a teacher.</param>
/// <param name="Teacher">The teacher, or null for a DSNO operator.</param>
public sealed record GenerativeModel(string Path, DsnoTransformer? Dsno, DiffusionTeacherTransformer? Teacher)
{
    /// <summary>Wraps a DSNO operator.</summary>
    public static GenerativeModel Of(string path, DsnoTransformer model) => new(path, model, null);

    /// <summary>Wraps a diffusion teacher.</summary>
    public static GenerativeModel Of(string path, DiffusionTeacherTransformer model) => new(path, null, model);

    /// <summary>"dsno" or "teacher".</summary>
    public string Kind => Dsno is not null ? "dsno" : "teacher";

    /// <summary>The transformer.</summary>
    public ITransformer Transformer => (ITransformer?)Dsno ?? Teacher!;

    /// <summary>The core model behind either kind: the DSNO operator, or the teacher with its solver.</summary>
    public IImageGenerator Generator => Dsno is { } d ? d.Model : Teacher!.Sampler;

    /// <summary>Image channels.</summary>
    public int Channels => Generator.Architecture.Channels;

    /// <summary>Image height.</summary>
    public int Height => Generator.Architecture.Height;

    /// <summary>Image width.</summary>
    public int Width => Generator.Architecture.Width;

    /// <summary>Classes of a class-conditional model; 0 when unconditional.</summary>
    public int ClassCount => Generator.Architecture.NumClasses;

    /// <summary>Network evaluations made so far.</summary>
    public int ForwardPasses => (int)Math.Min(int.MaxValue, Generator.Evaluations);

    /// <summary>The times of the output trajectory's frames.</summary>
    public IReadOnlyList<double> OutputTimes => Dsno?.OutputTimes ?? Teacher!.OutputTimes;

    /// <summary>A description for people: kind, size, classes, sampler.</summary>
    public string Description => Dsno is { } d
        ? $"DSNO operator, {Channels}x{Height}x{Width}{Classes}, {d.Frames.Count} frames {d.Frames}{Guidance}"
        : $"diffusion teacher, {Channels}x{Height}x{Width}{Classes}, {Teacher!.Solver} with {Teacher.SolverSteps} steps{Guidance}";

    private string Guidance => GuidanceRange is { } range
        ? $", w-conditioned (trained on w in {Commands.CommonOptions.Format(range)})" + (GuidanceScale is { } w ? FormattableString.Invariant($", at w = {w:G6}") : "")
        : GuidanceScale is > 0 and { } scale ? FormattableString.Invariant($", w = {scale:G6}") : "";

    /// <summary>For a DSNO that takes w as an input (fitted on trajectories with a w per record), the range of w it was trained on; else null.</summary>
    public (double Min, double Max)? GuidanceRange => Dsno?.GuidanceRange;

    private string Classes => ClassCount > 0 ? $", {ClassCount} classes" : "";

    /// <summary>
    /// The same model decoding at <paramref name="times"/> (DSNO: any times in [0, 1]; teacher: a frame grid, strictly decreasing and
    /// ending at 0) and, for a teacher, with another solver. Bad values are bad input (exit code 2).
    /// </summary>
    public GenerativeModel With(float[]? times, OdeSolver? solver, int? solverSteps)
    {
        if (Dsno is { } dsno)
        {
            if (solver is not null || solverSteps is not null)
                throw new UsageException($"--solver and --solver-steps apply to teacher models; '{Path}' is a DSNO model (one forward pass, no solver)");
            if (times is null) return this;
            CheckTimes(times);
            try { return Of(Path, dsno.WithQueryTimes(times)); }
            catch (ArgumentException e) { throw new BadInputException($"--times {Join(times)}: {ErrorMapper.OneLine(e.Message)}; give times in [0, 1]", e); }
        }
        var teacher = Teacher!;
        if (times is null && solver is null && solverSteps is null) return this;
        TimeGrid? grid = null;
        if (times is not null)
        {
            CheckTimes(times);
            try { grid = TimeGrid.FromTimes(times); }
            catch (ArgumentException e)
            {
                throw new BadInputException($"--times {Join(times)} is not a frame grid for a teacher: {ErrorMapper.ArgumentMessage(e.Message)}; give strictly decreasing times in [0, 1) ending at 0", e);
            }
        }
        try { return Of(Path, teacher.WithSampler(solver ?? teacher.Solver, solverSteps ?? teacher.SolverSteps, grid)); }
        catch (ArgumentException e) { throw new BadInputException($"cannot sample '{Path}' that way: {ErrorMapper.ArgumentMessage(e.Message)}", e); }
    }

    /// <summary>The classifier-free guidance scale the model samples at (null: unconditional, or a w-conditioned DSNO with none chosen).</summary>
    public double? GuidanceScale => Dsno is { } d ? d.GuidanceScale : Teacher!.ClassCount > 0 ? Teacher.GuidanceScale : null;

    /// <summary>
    /// The same model at the classifier-free guidance scale <paramref name="guidance"/> (null: unchanged). A model that cannot take it
    /// (unconditional, a teacher without a null class, a DSNO distilled at another w) is bad input (exit code 2).
    /// </summary>
    public GenerativeModel WithGuidance(double? guidance)
    {
        if (guidance is not { } w) return this;
        try
        {
            if (Dsno is { } dsno) return Of(Path, dsno.WithGuidance(w));
            var teacher = Teacher!;
            return Of(Path, teacher.WithSampler(teacher.Solver, teacher.SolverSteps, null, w));
        }
        catch (ArgumentException e) { throw new BadInputException($"--guidance {w.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {ErrorMapper.ArgumentMessage(e.Message)}", e); }
    }

    /// <summary>
    /// A DSNO that takes w as an input answers only once a w is chosen: without <c>--guidance</c> (<paramref name="option"/>) that is a
    /// usage error naming the range it was trained on.
    /// </summary>
    public void RequireGuidance(string option = "--guidance")
    {
        if (GuidanceRange is { } range && GuidanceScale is null)
            throw new UsageException($"{option} is required: '{Path}' is a DSNO that takes the guidance scale w as an input (trained on w in {Commands.CommonOptions.Format(range)}); give {option} W");
    }

    /// <summary>Checks a label against the model's classes (bad input when the model was not trained with it).</summary>
    public void CheckLabel(int? label)
    {
        if (label is not { } l) return;
        if (ClassCount == 0)
            throw new BadInputException($"--label {l}: the model '{Path}' is unconditional (trained without labels); drop --label or use a model trained with --conditional");
        if (l < 0 || l >= ClassCount)
            throw new BadInputException($"--label {l}: the model '{Path}' was trained with classes 0..{ClassCount - 1}; give a label in that range");
    }

    private static void CheckTimes(float[] times)
    {
        foreach (float t in times)
            if (!float.IsFinite(t) || t < 0 || t > 1)
                throw new BadInputException($"--times value {t.ToString(System.Globalization.CultureInfo.InvariantCulture)} is outside [0, 1]: t = 1 is pure noise and t = 0 the data; give times in that range");
    }

    private static string Join(float[] times) => string.Join(",", times.Select(t => t.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
