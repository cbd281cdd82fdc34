using Dsno.Diffusion;
using Dsno.Models;
using TorchSharp;

[assembly: ModelLoader(typeof(Dsno.MLNet.DiffusionTeacherTransformer), Dsno.MLNet.DiffusionTeacherTransformer.LoaderSignature)]

namespace Dsno.MLNet;

/// <summary>
/// A trained diffusion teacher as an ML.NET transformer. <see cref="NoiseToImageTransformer.Transform"/> reads the <c>Noise</c> column (and <c>Label</c> for a
/// class-conditional teacher) and adds <c>Trajectory</c> [F, C, H, W] (with its <c>Times</c> annotation) and <c>Image</c> [C, H, W], by
/// solving the probability-flow ODE in batches. Lazy: nothing is computed until a cursor asks for an output column.
/// </summary>
public sealed class DiffusionTeacherTransformer : NoiseToImageTransformer
{
    /// <summary>The loader signature written into ML.NET model files.</summary>
    public const string LoaderSignature = "DsnoDiffusionTeacher";

    internal static readonly ModelKind Kind = new("DSNOTCHR", LoaderSignature, version: 1);

    /// <summary>The annotation of the trajectory column that records the guidance scale w (one float) of a class-conditional teacher.</summary>
    public const string GuidanceAnnotation = "Guidance";

    private readonly TeacherSettings _settings;

    internal DiffusionTeacherTransformer(DiffusionTeacher teacher, TeacherSettings settings)
    {
        Teacher = teacher;
        _settings = settings;
        if (settings.GuidanceScale > 0 && GuidanceRefusal(teacher, settings.GuidanceScale) is { } refused) throw refused;
        // A teacher that cannot be guided refuses an input with a per-row guidance column.
        Func<Exception>? refusal = teacher.SupportsGuidance ? null : () => GuidanceRefusal(teacher, 1)!;
        Mapping = new NoiseToImageMapping(teacher.Architecture, settings, settings.Frames, FrameKindOf(settings), MapBatch, teacher.Network,
            refusal, guidance: teacher.Architecture.NumClasses > 0 ? settings.GuidanceScale : null);
    }

    /// <summary>The classifier-free guidance scale w that Transform samples with (0 = none); a per-row guidance column overrides it.</summary>
    public double GuidanceScale => _settings.GuidanceScale;

    /// <summary>The float column of per-row guidance scales that Transform reads when its input has it (null = never).</summary>
    public string? GuidanceColumnName => _settings.GuidanceColumnName;

    /// <summary>The core teacher (network, schedule, training and sampling).</summary>
    public DiffusionTeacher Teacher { get; }

    /// <summary>The solver Transform uses.</summary>
    public OdeSolver Solver => OdeSolverNames.FromCoreName(_settings.Solver);

    /// <summary>Solver steps Transform uses.</summary>
    public int SolverSteps => _settings.SolverSteps;

    /// <summary>The times of the trajectory frames.</summary>
    public TimeGrid Frames => TimeGrid.FromTimes(_settings.Frames);

    /// <summary>The times of the output trajectory (the frame grid), in double precision.</summary>
    public IReadOnlyList<double> OutputTimes => _settings.Frames;

    /// <summary>
    /// The core teacher with this transformer's solver, steps, frame times (always part of the step list) and guidance scale, as an
    /// <see cref="IImageGenerator"/>.
    /// </summary>
    public TeacherSampler Sampler => Teacher.WithSolver(_settings.Solver, _settings.SolverSteps, _settings.Frames) with { Guidance = _settings.GuidanceScale };

    /// <summary>Classes of a class-conditional teacher; 0 when unconditional.</summary>
    public int ClassCount => Teacher.Architecture.NumClasses;

    /// <summary>Model evaluations (network forward passes) made so far by this teacher, through any of its transformers.</summary>
    public int ForwardPasses => (int)Math.Min(int.MaxValue, Teacher.Evaluations);

    /// <summary>
    /// Shares the weights but samples with another solver, step count or frame grid, and optionally another classifier-free guidance
    /// scale <paramref name="guidance"/> (finite, &gt;= 0; w &gt; 0 needs a class-conditional teacher trained with label dropout; null keeps
    /// this transformer's). A guided solver call costs two model evaluations.
    /// </summary>
    public DiffusionTeacherTransformer WithSampler(OdeSolver solver, int steps, TimeGrid? frames = null, double? guidance = null)
    {
        var settings = _settings.Clone();
        settings.Solver = solver.ToCoreName();
        settings.SolverSteps = steps;
        if (frames is not null) settings.Frames = frames.Values;
        if (guidance is { } w) settings.GuidanceScale = ClassifierFreeGuidance.Check(w, nameof(guidance));
        settings.Validate(msg => new ArgumentOutOfRangeException(nameof(steps), msg));
        return new DiffusionTeacherTransformer(Teacher, settings);
    }

    /// <summary>Why <paramref name="teacher"/> cannot be sampled at the guidance scale <paramref name="w"/>, or null when it can.</summary>
    private static ArgumentException? GuidanceRefusal(DiffusionTeacher teacher, double w)
    {
        if (teacher.Architecture.NumClasses == 0)
            return new ArgumentException($"this teacher is unconditional: it cannot be sampled with a guidance scale (w = {w}); classifier-free guidance needs a class-conditional teacher trained with LabelDropout > 0", "guidance");
        if (!teacher.SupportsGuidance)
            return new ArgumentException($"this teacher was trained without label dropout, so it has no null class to guide with (w = {w}); train it with LabelDropout > 0", "guidance");
        return null;
    }

    private void MapBatch(InputBatch input, OutputBatch output)
    {
        using var scope = torch.NewDisposeScope();
        var (noise, labels) = Mapping.Inputs(input, Teacher.Device);
        var guidance = GuidanceRows(input);
        // The frame times are always part of the step list, so Image is the same whether or not Trajectory is read.
        var (images, frames) = Teacher.Solve(noise, labels, guidance, _settings.Solver, _settings.SolverSteps,
            _settings.Frames, FrameKindOf(_settings), _settings.ClipDenoised);
        output.Write(0, frames!);
        output.Write(1, images);
    }

    private static FrameKind FrameKindOf(TeacherSettings settings) => settings.FramesAsStates ? FrameKind.State : FrameKind.Denoised;

    /// <summary>The per-row guidance scales of a batch: its guidance column when it has one, else this transformer's w (null when 0).</summary>
    private torch.Tensor? GuidanceRows(InputBatch input)
    {
        if (input.Count > 0 && Mapping.Guidance(input) is { } values) return torch.tensor(values).to(torch.float32, Teacher.Device, copy: true);
        if (_settings.GuidanceScale == 0) return null;
        using var w = _settings.GuidanceScale.ToScalar();
        return torch.full(input.Count, w, dtype: torch.float32, device: Teacher.Device);
    }

    private protected override void SaveModel(ModelSaveContext ctx) => NoiseToImageMapping.Save(ctx, Kind, _settings, Teacher.Save);

    // Called by ML.NET's component catalog when a model file names this loader; ctx is its internal ModelLoadContext.
    private static DiffusionTeacherTransformer Create(IHostEnvironment env, object ctx)
    {
        var (settings, teacher) = NoiseToImageMapping.Load<TeacherSettings, DiffusionTeacher>(ctx, Kind,
            (s, error) => s.Validate(error), (stream, what) => DiffusionTeacher.Load(stream, what: what));
        return new DiffusionTeacherTransformer(teacher, settings);
    }
}
