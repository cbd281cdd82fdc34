using Dsno.Diffusion;
using Dsno.MLNet.Internal;
using Dsno.Models;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using TorchSharp;

[assembly: ModelLoader(typeof(Dsno.MLNet.DiffusionTeacherTransformer), Dsno.MLNet.DiffusionTeacherTransformer.LoaderSignature)]

namespace Dsno.MLNet;

/// <summary>
/// A trained diffusion teacher as an ML.NET transformer. <see cref="Transform"/> reads the <c>Noise</c> column (and <c>Label</c> for a
/// class-conditional teacher) and adds <c>Trajectory</c> [F, C, H, W] (with its <c>Times</c> annotation) and <c>Image</c> [C, H, W], by
/// solving the probability-flow ODE in batches. Lazy: nothing is computed until a cursor asks for an output column.
/// </summary>
public sealed class DiffusionTeacherTransformer : ITransformer
{
    /// <summary>The loader signature written into ML.NET model files.</summary>
    public const string LoaderSignature = "DsnoDiffusionTeacher";

    internal static readonly ModelKind Kind = new("DSNOTCHR", LoaderSignature, version: 1);

    private readonly TeacherSettings _settings;
    private readonly NoiseToImageMapping _mapping;

    internal DiffusionTeacherTransformer(DiffusionTeacher teacher, TeacherSettings settings)
    {
        Teacher = teacher;
        _settings = settings;
        var columns = new GenerationColumns(settings.NoiseColumnName, settings.LabelColumnName, settings.TrajectoryColumnName,
            settings.OutputImageColumnName, settings.OutputMLImage, settings.MLImageColumnName, settings.TransformBatchSize);
        _mapping = new NoiseToImageMapping(teacher.Architecture, columns, settings.Frames, FrameKindOf(settings), MapBatch, gate: teacher.Network);
    }

    /// <summary>The core teacher (network, schedule, training and sampling).</summary>
    public DiffusionTeacher Teacher { get; }

    /// <summary>The solver Transform uses.</summary>
    public OdeSolver Solver => OdeSolverNames.FromCoreName(_settings.Solver);

    /// <summary>Solver steps Transform uses.</summary>
    public int SolverSteps => _settings.SolverSteps;

    /// <summary>The times of the trajectory frames.</summary>
    public TimeGrid Frames => TimeGrid.FromTimes(_settings.Frames);

    /// <summary>Classes of a class-conditional teacher; 0 when unconditional.</summary>
    public int ClassCount => Teacher.Architecture.NumClasses;

    /// <summary>Model evaluations (network forward passes) made so far by this teacher, through any of its transformers.</summary>
    public int ForwardPasses => (int)Math.Min(int.MaxValue, Teacher.Evaluations);

    /// <summary>Batches run by this transformer's Transform (one ODE solve each).</summary>
    public long Batches => _mapping.BatchCalls;

    /// <summary>Shares the weights but samples with another solver, step count or frame grid.</summary>
    public DiffusionTeacherTransformer WithSampler(OdeSolver solver, int steps, TimeGrid? frames = null)
    {
        var settings = _settings.Clone();
        settings.Solver = solver.ToCoreName();
        settings.SolverSteps = steps;
        if (frames is not null) settings.Frames = frames.Values;
        settings.Validate(msg => new ArgumentOutOfRangeException(nameof(steps), msg));
        return new DiffusionTeacherTransformer(Teacher, settings);
    }

    private void MapBatch(InputBatch input, OutputBatch output)
    {
        using var scope = torch.NewDisposeScope();
        var noise = input.FloatTensor(0, Teacher.Device);
        var labels = ClassCount > 0 ? Labels.Check(input.IntegerTensor(1, Teacher.Device), ClassCount, _mapping.LabelColumn) : null;
        // The frame times are always part of the step list, so Image is the same whether or not Trajectory is read.
        var (images, frames) = Teacher.Solve(noise, labels, _settings.Solver, _settings.SolverSteps,
            _settings.Frames, FrameKindOf(_settings), _settings.ClipDenoised);
        output.Write(0, frames!);
        output.Write(1, images);
    }

    private static FrameKind FrameKindOf(TeacherSettings settings) => settings.FramesAsStates ? FrameKind.State : FrameKind.Denoised;

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _mapping.GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => _mapping.Transform(input);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _mapping.GetRowToRowMapper(inputSchema);

    void ICanSaveModel.Save(ModelSaveContext ctx) => NoiseToImageMapping.Save(ctx, Kind, _settings, Teacher.Save);

    // Called by ML.NET's component catalog when a model file names this loader; ctx is its internal ModelLoadContext.
    private static DiffusionTeacherTransformer Create(IHostEnvironment env, object ctx)
    {
        var (settings, teacher) = NoiseToImageMapping.Load<TeacherSettings, DiffusionTeacher>(ctx, Kind,
            (s, error) => s.Validate(error), (stream, what) => DiffusionTeacher.Load(stream, what: what));
        return new DiffusionTeacherTransformer(teacher, settings);
    }
}
