using Dsno.Networks;

namespace Dsno.MLNet;

/// <summary>
/// What <see cref="DiffusionTeacherOptions"/> and <see cref="DsnoOptions"/> share: the columns their transformers read and write, the
/// U-Net architecture (declared once here, with one set of defaults) and the noise schedule. Each derived options class sets its own
/// defaults in its constructor; the values below are the teacher's.
/// </summary>
public abstract class NoiseToImageOptions : TorchTrainerOptions
{
    private protected NoiseToImageOptions() { }

    /// <summary>The core architecture's defaults, which the architecture fields below take (all but <see cref="Dropout"/>).</summary>
    private static readonly UNetOptions Defaults = new();

    /// <summary>Noise column (x_T) read by Transform: float vector [C, H, W], standard normal. Default "Noise".</summary>
    public string NoiseColumnName = DsnoColumnNames.Noise;

    /// <summary>Class label column (key, int or uint) for a class-conditional model; null (default) = unconditional.</summary>
    public string? LabelColumnName;

    /// <summary>
    /// Float (Single or Double) column of per-row classifier-free guidance scales. Teacher: when Transform's input has it, each row is
    /// solved at its own w instead of <see cref="DiffusionTeacherOptions.GuidanceScale"/> (to make trajectories over a range of w). DSNO:
    /// when the training data has it (trajectories solved over a range of w, e.g. from noise made by the <c>GaussianNoise</c> overload
    /// with a guidance range), Fit trains a w-conditioned DSNO: a guidance embedding is added to the time and class embedding, and the
    /// transformer takes w at transform time (<see cref="DsnoTransformer.WithGuidance"/>, or this column per row); otherwise Fit distils
    /// the one w recorded in the trajectory column's <c>Guidance</c> annotation. Default "Guidance".
    /// </summary>
    public string GuidanceColumnName = DsnoColumnNames.Guidance;

    /// <summary>Sample column written by Transform: float vector [C, H, W] (the last frame). Default "Image".</summary>
    public string OutputImageColumnName = DsnoColumnNames.Image;

    /// <summary>Also write an <c>MLImage</c> column (Microsoft.ML.ImageAnalytics) of each sample, clamped and opaque. Default false.</summary>
    public bool OutputMLImage;

    /// <summary>Name of the MLImage column. Default "MLImage".</summary>
    public string MLImageColumnName = DsnoColumnNames.MLImage;

    /// <summary>Rows run through the network together by Transform. Default 64.</summary>
    public int TransformBatchSize = 64;

    /// <summary>
    /// Channels of the first U-Net level. Default 32. For DSNO these architecture fields apply when <see cref="DsnoOptions.Teacher"/> is
    /// null; a teacher's backbone keeps its own architecture.
    /// </summary>
    public int BaseChannels = Defaults.BaseChannels;

    /// <summary>Channel multiplier of each U-Net level (the count is the number of levels). Default [1, 2, 2].</summary>
    public int[] ChannelMultipliers = Defaults.ChannelMultipliers.ToArray();

    /// <summary>Residual blocks per level. Default 2.</summary>
    public int ResBlocksPerLevel = Defaults.ResBlocksPerLevel;

    /// <summary>Resolutions (in pixels) with self-attention. Default none.</summary>
    public int[] AttentionResolutions = Defaults.AttentionResolutions.ToArray();

    /// <summary>Dropout in residual blocks. Default 0.1 (<see cref="DsnoOptions"/>: 0).</summary>
    public double Dropout = 0.1;

    /// <summary>GroupNorm groups. Default 8.</summary>
    public int GroupNormGroups = Defaults.GroupNormGroups;

    /// <summary>Noise schedule: "cosine" (default) or "linear". For DSNO, the schedule of the teacher that made the trajectories (for the loss weights) when <see cref="DsnoOptions.Teacher"/> is null.</summary>
    public string Schedule = "cosine";

    /// <summary>The core architecture of these fields for images of the given shape and class count.</summary>
    internal UNetOptions Architecture(int channels, int height, int width, int classes, bool nullClass = false, bool guidanceEmbedding = false) => new()
    {
        Channels = channels, Height = height, Width = width, BaseChannels = BaseChannels, ChannelMultipliers = ChannelMultipliers.ToArray(),
        ResBlocksPerLevel = ResBlocksPerLevel, AttentionResolutions = AttentionResolutions.ToArray(), Dropout = Dropout, NumClasses = classes,
        GroupNormGroups = GroupNormGroups, NullClass = nullClass, GuidanceEmbedding = guidanceEmbedding,
    };

    /// <summary>Copies the columns and batch size into the settings a transformer saves.</summary>
    private protected T Columns<T>(T settings) where T : GenerationSettings
    {
        settings.NoiseColumnName = NoiseColumnName;
        settings.LabelColumnName = LabelColumnName;
        settings.GuidanceColumnName = GuidanceColumnName;
        settings.OutputImageColumnName = OutputImageColumnName;
        settings.OutputMLImage = OutputMLImage;
        settings.MLImageColumnName = MLImageColumnName;
        settings.TransformBatchSize = TransformBatchSize;
        return settings;
    }
}
