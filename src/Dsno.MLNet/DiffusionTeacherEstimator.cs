using Dsno.Diffusion;
using Dsno.Models;

namespace Dsno.MLNet;

/// <summary>
/// Trains a diffusion teacher (an epsilon-prediction U-Net) on the <c>Image</c> column of an <see cref="IDataView"/>, optionally
/// class-conditional on <c>Label</c>. The images are read into memory once (teachers are trained on image sets that fit); the
/// fitted <see cref="DiffusionTeacherTransformer"/> generates trajectories and images from a <c>Noise</c> column.
/// </summary>
public sealed class DiffusionTeacherEstimator : TorchEstimator<DiffusionTeacherOptions, DiffusionTeacherTransformer>
{
    /// <summary>Creates the estimator; prefer <c>mlContext.Transforms.DiffusionTeacher(options)</c>.</summary>
    public DiffusionTeacherEstimator(IHostEnvironment environment, DiffusionTeacherOptions options) : base(environment, options) { }

    private protected override (string, string, string?) CheckInput(SchemaShape inputSchema)
    {
        SchemaChecks.RequireFloatVector(inputSchema, Options.ImageColumnName);
        if (Options.LabelColumnName is { } label) SchemaChecks.RequireInteger(inputSchema, label);
        return (Options.TrajectoryColumnName, Options.OutputImageColumnName, Options.OutputMLImage ? Options.MLImageColumnName : null);
    }

    /// <summary>Trains the teacher on every row of <paramref name="input"/>.</summary>
    public override DiffusionTeacherTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var settings = Options.Settings();
        var training = Options.ToTrainingOptions();
        if (!(Options.LabelDropout >= 0 && Options.LabelDropout < 1))
            throw new ArgumentOutOfRangeException("options", Options.LabelDropout, "LabelDropout must be in [0, 1)");
        if (settings.GuidanceScale > 0 && (Options.LabelColumnName is null || Options.LabelDropout == 0))
            throw new ArgumentOutOfRangeException("options", Options.GuidanceScale,
                "GuidanceScale > 0 needs a class-conditional teacher (LabelColumnName) trained with LabelDropout > 0");
        var images = ImageColumnData.Read(input, Options.ImageColumnName, Options.LabelColumnName, Options.ClassCount);
        var architecture = Options.Architecture(images.Channels, images.Height, images.Width, images.ClassCount,
            nullClass: images.ClassCount > 0 && Options.LabelDropout > 0);
        var teacher = new DiffusionTeacher(architecture, NoiseSchedule.FromName(Options.Schedule), Options.Device, seed: Options.Seed);
        using var host = StartTraining(nameof(DiffusionTeacherEstimator), training.Steps);
        host.Info($"training a {teacher.Network.ParameterCount:N0}-parameter teacher on {images.Count} images of {images.Channels}x{images.Height}x{images.Width}" +
                  (images.ClassCount > 0 ? $", {images.ClassCount} classes" : ""));
        teacher.Train(images, training, architecture.NullClass ? Options.LabelDropout : 0, host, host.Token);
        return new DiffusionTeacherTransformer(teacher, settings);
    }
}
