using Dsno.Data;
using Dsno.Diffusion;
using Dsno.Models;
using Dsno.Networks;
using Dsno.Training;

namespace Dsno.MLNet;

/// <summary>
/// Trains a diffusion teacher (an epsilon-prediction U-Net) on the <c>Image</c> column of an <see cref="IDataView"/>, optionally
/// class-conditional on <c>Label</c>. The images are read into memory once (teachers are trained on image sets that fit); the
/// fitted <see cref="DiffusionTeacherTransformer"/> generates trajectories and images from a <c>Noise</c> column.
/// </summary>
public sealed class DiffusionTeacherEstimator : IEstimator<DiffusionTeacherTransformer>
{
    private readonly IHostEnvironment _environment;
    private readonly DiffusionTeacherOptions _options;

    /// <summary>Creates the estimator; prefer <c>mlContext.Transforms.DiffusionTeacher(options)</c>.</summary>
    public DiffusionTeacherEstimator(IHostEnvironment environment, DiffusionTeacherOptions options)
    {
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <summary>Checks the training columns and describes the transformer's output columns.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SchemaChecks.RequireFloatVector(inputSchema, _options.ImageColumnName);
        if (_options.LabelColumnName is { } label) SchemaChecks.RequireInteger(inputSchema, label);
        return SchemaShapes.WithColumns(inputSchema, SchemaShapes.GeneratorOutputs(_options.TrajectoryColumnName, _options.OutputImageColumnName,
            _options.OutputMLImage ? _options.MLImageColumnName : null));
    }

    /// <summary>Trains the teacher on every row of <paramref name="input"/>.</summary>
    public DiffusionTeacherTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var settings = Settings();
        var training = _options.ToTrainingOptions();
        if (!(_options.LabelDropout >= 0 && _options.LabelDropout < 1))
            throw new ArgumentOutOfRangeException("options", _options.LabelDropout, "LabelDropout must be in [0, 1)");
        if (settings.GuidanceScale > 0 && (_options.LabelColumnName is null || _options.LabelDropout == 0))
            throw new ArgumentOutOfRangeException("options", _options.GuidanceScale,
                "GuidanceScale > 0 needs a class-conditional teacher (LabelColumnName) trained with LabelDropout > 0");
        var images = ImageColumnData.Read(input, _options.ImageColumnName, _options.LabelColumnName, _options.ClassCount);
        var architecture = new UNetOptions
        {
            Channels = images.Channels, Height = images.Height, Width = images.Width, BaseChannels = _options.BaseChannels,
            ChannelMultipliers = _options.ChannelMultipliers.ToArray(), ResBlocksPerLevel = _options.ResBlocksPerLevel,
            AttentionResolutions = _options.AttentionResolutions.ToArray(), Dropout = _options.Dropout,
            NumClasses = images.ClassCount, GroupNormGroups = _options.GroupNormGroups,
            NullClass = images.ClassCount > 0 && _options.LabelDropout > 0,
        };
        var teacher = new DiffusionTeacher(architecture, NoiseSchedule.FromName(_options.Schedule), _options.Device, seed: _options.Seed);
        using var host = new TrainingHost(_environment, nameof(DiffusionTeacherEstimator), _options.Progress, _options.CancellationToken, training.Steps);
        host.Info($"training a {teacher.Network.ParameterCount:N0}-parameter teacher on {images.Count} images of {images.Channels}x{images.Height}x{images.Width}" +
                  (images.ClassCount > 0 ? $", {images.ClassCount} classes" : ""));
        teacher.Train(images, training, architecture.NullClass ? _options.LabelDropout : 0, host.Progress, host.Token);
        return new DiffusionTeacherTransformer(teacher, settings);
    }

    private TeacherSettings Settings()
    {
        var settings = new TeacherSettings
        {
            NoiseColumnName = _options.NoiseColumnName,
            LabelColumnName = _options.LabelColumnName,
            TrajectoryColumnName = _options.TrajectoryColumnName,
            OutputImageColumnName = _options.OutputImageColumnName,
            OutputMLImage = _options.OutputMLImage,
            MLImageColumnName = _options.MLImageColumnName,
            Solver = _options.Solver.ToCoreName(),
            SolverSteps = _options.SolverSteps,
            Frames = (_options.Frames ?? throw new ArgumentNullException(nameof(_options.Frames), "options.Frames must be set")).Values,
            FramesAsStates = _options.FramesAsStates,
            ClipDenoised = _options.ClipDenoised,
            TransformBatchSize = _options.TransformBatchSize,
            GuidanceScale = _options.GuidanceScale,
            GuidanceColumnName = _options.GuidanceColumnName,
        };
        settings.Validate(msg => new ArgumentOutOfRangeException("options", msg));
        return settings;
    }
}
