using Dsno.Data;
using Dsno.Diffusion;
using Dsno.Models;
using Dsno.Training;

namespace Dsno.MLNet;

/// <summary>
/// Trains the DSNO operator on trajectories: rows with a <c>Noise</c> column (x_T) and a <c>Trajectory</c> column [F, C, H, W] whose
/// <c>Times</c> annotation gives the frame times (and a <c>Label</c> for class-conditional models). Rows are streamed through a cursor in
/// batches, so memory does not grow with the number of rows (a <c>.idv</c> file of any size can be fitted).
/// </summary>
public sealed class DsnoEstimator : TorchEstimator<DsnoOptions, DsnoTransformer>
{
    /// <summary>Creates the estimator; prefer <c>mlContext.Transforms.Dsno(options)</c>.</summary>
    public DsnoEstimator(IHostEnvironment environment, DsnoOptions options) : base(environment, options) { }

    private protected override (string, string, string?) CheckInput(SchemaShape inputSchema)
    {
        SchemaChecks.RequireFloatVector(inputSchema, Options.NoiseColumnName);
        var trajectory = SchemaChecks.RequireFloatVector(inputSchema, Options.TrajectoryColumnName);
        SchemaChecks.RequireFloatVectorAnnotation(trajectory, TrajectoryAnnotations.Times);
        if (Options.LabelColumnName is { } label) SchemaChecks.RequireInteger(inputSchema, label);
        return (Options.OutputTrajectoryColumnName, Options.OutputImageColumnName, Options.OutputMLImage ? Options.MLImageColumnName : null);
    }

    /// <summary>Trains DSNO on the trajectories of <paramref name="input"/>.</summary>
    public override DsnoTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var settings = Options.Settings();
        var training = Options.ToTrainingOptions();

        var (layout, noise, trajectory, label) = ReadLayout(input.Schema);
        // Guidance: a per-row column makes a w-conditioned model over the column's range; otherwise the one w the annotation records.
        var guidanceColumn = string.IsNullOrEmpty(Options.GuidanceColumnName) ? null : input.Schema.GetColumnOrNull(Options.GuidanceColumnName);
        (double Min, double Max)? range = null;
        if (guidanceColumn is { } g)
        {
            SchemaChecks.RequireFloatScalar(input.Schema, g.Name, "input");
            if (label is null)
                throw new InvalidOperationException($"Input column '{g.Name}' holds guidance scales, but classifier-free guidance needs a class-conditional model: set LabelColumnName, or drop the column for an unconditional model.");
            range = ColumnReaders.GuidanceRange(input, g);
        }
        double? recorded = TrajectoryAnnotations.ReadGuidance(trajectory);
        if (recorded is > 0 && label is null)
            throw new InvalidOperationException($"Input column '{trajectory.Name}' was solved with guidance w = {recorded}, which needs a class-conditional model: set LabelColumnName.");
        var model = CreateModel(layout, range, range is null ? recorded : null);
        using var source = new DataViewTrajectorySource(input, noise, trajectory, label, layout, guidanceColumn);
        using var host = StartTraining(nameof(DsnoEstimator), training.Steps);
        host.Info($"training DSNO (M = {layout.FrameCount}, J = {model.Network.Modes}, {model.Network.ParameterCount:N0} parameters of which " +
                  $"{model.Network.TemporalParameterCount:N0} temporal) on {source.Count} trajectories" +
                  (range is { } r ? $", w-conditioned on w in [{r.Min:G4}, {r.Max:G4}]" : recorded is { } w ? $", guidance w = {w:G4}" : ""));
        model.Train(source, training, (FrameWeighting)Options.LossWeighting, Options.Distance, host, host.Token);
        return new DsnoTransformer(model, settings, Environment);
    }

    private (TrajectoryLayout Layout, DataViewSchema.Column Noise, DataViewSchema.Column Trajectory, DataViewSchema.Column? Label) ReadLayout(DataViewSchema schema)
    {
        var trajectory = SchemaChecks.RequireColumn(schema, Options.TrajectoryColumnName, "input");
        if (trajectory.Type is not VectorDataViewType { ItemType: var item, Dimensions: { Length: 4 } dims } || item != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException("input", $"Input column '{trajectory.Name}' must be a Single vector with dimensions [F, C, H, W]; found {trajectory.Type}.");
        var times = SchemaChecks.RequireFloatVectorAnnotation(trajectory, TrajectoryAnnotations.Times, "input");
        if (times.Length != dims[0])
            throw new InvalidOperationException($"Input column '{trajectory.Name}' has {dims[0]} frames but its Times annotation lists {times.Length} times.");
        double[] grid;
        try { grid = FrameTimes.Validate(times.Select(t => (double)t).ToArray()); }
        catch (ArgumentOutOfRangeException e) { throw new InvalidOperationException($"Input column '{trajectory.Name}': its Times annotation is not a valid grid: {e.Message}", e); }
        var noise = SchemaChecks.RequireFloatVector(schema, Options.NoiseColumnName, new[] { dims[1], dims[2], dims[3] }, "input");
        DataViewSchema.Column? label = Options.LabelColumnName is { } name ? SchemaChecks.RequireInteger(schema, name, "input") : null;

        int classes = 0;
        if (label is { } l)
        {
            classes = Options.Teacher?.ClassCount ?? 0;
            if (classes == 0) classes = ColumnReaders.DeclaredClassCount(l);
            if (classes == 0)
                throw new InvalidOperationException($"Input column '{l.Name}' does not declare its class count (use a key type) and no teacher gives it.");
        }
        else if (Options.Teacher?.ClassCount > 0)
            throw new InvalidOperationException($"The teacher is class-conditional ({Options.Teacher.ClassCount} classes): set LabelColumnName.");
        var layout = new TrajectoryLayout(dims[1], dims[2], dims[3], grid, TrajectoryAnnotations.ReadFrameKind(trajectory, "input"), classes);
        return (layout, noise, trajectory, label);
    }

    private DsnoModel CreateModel(TrajectoryLayout layout, (double Min, double Max)? range, double? guidance)
    {
        DsnoModel model;
        if (Options.Teacher is { } teacher)
        {
            var a = teacher.Teacher.Architecture;
            if (a.Channels != layout.Channels || a.Height != layout.Height || a.Width != layout.Width)
                throw new InvalidOperationException($"The teacher makes {a.Channels}x{a.Height}x{a.Width} images but the trajectories are {layout.Channels}x{layout.Height}x{layout.Width}.");
            if (range is { } r) return DsnoModel.FromTeacherWithGuidance(teacher.Teacher, layout.FrameTimes, r.Min, r.Max, Options.TemporalModes, Options.Seed);
            model = DsnoModel.FromTeacher(teacher.Teacher, layout.FrameTimes, Options.TemporalModes, layout.Kind, seed: Options.Seed);
        }
        else
        {
            var architecture = Options.Architecture(layout.Channels, layout.Height, layout.Width, layout.ClassCount, guidanceEmbedding: range is not null);
            model = DsnoModel.Create(architecture, layout.FrameTimes, Options.TemporalModes, NoiseSchedule.FromName(Options.Schedule), layout.Kind, Options.Device, Options.Seed);
        }
        if (range is null && guidance is null) return model;
        return new DsnoModel(model.Network, model.Schedule, model.Kind, model.Device.ToString()) { GuidanceScale = guidance, GuidanceRange = range };
    }
}
