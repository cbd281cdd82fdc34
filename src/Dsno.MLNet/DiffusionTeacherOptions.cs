namespace Dsno.MLNet;

/// <summary>Options of <see cref="DiffusionTeacherEstimator"/>: the teacher's columns, architecture, training and sampling.</summary>
public sealed class DiffusionTeacherOptions : TorchTrainerOptions
{
    /// <summary>Training images: a float vector column [C, H, W] with values in [-1, 1]. Default "Image".</summary>
    public string ImageColumnName = DsnoColumnNames.Image;

    /// <summary>Class label column (key, int or uint) for a class-conditional teacher; null (default) trains an unconditional one.</summary>
    public string? LabelColumnName;

    /// <summary>Number of classes when <see cref="LabelColumnName"/> is set; 0 (default) takes it from the key type's count or the largest label + 1.</summary>
    public int ClassCount;

    /// <summary>
    /// Share of training labels replaced by a null class (one extra class in the embedding) so that the teacher can be sampled with
    /// classifier-free guidance (Ho and Salimans 2022); class-conditional teachers only. 0 trains no null class (no guidance
    /// possible). Default 0.1.
    /// </summary>
    public double LabelDropout = 0.1;

    /// <summary>
    /// Classifier-free guidance scale w used by Transform: eps = (1 + w) eps(x, t, y) - w eps(x, t, null), two model evaluations per
    /// solver call. Needs a class-conditional teacher trained with <see cref="LabelDropout"/> &gt; 0; finite and &gt;= 0. Recorded in the
    /// trajectory column's <c>Guidance</c> annotation. Default 0 (no guidance).
    /// </summary>
    public double GuidanceScale;

    /// <summary>
    /// Float (Single or Double) column of per-row guidance scales; when Transform's input has it, each row is solved at its own w instead
    /// of <see cref="GuidanceScale"/> (to make trajectories over a range of w for a w-conditioned DSNO). Default "Guidance".
    /// </summary>
    public string GuidanceColumnName = DsnoColumnNames.Guidance;

    /// <summary>Noise column read by Transform: float vector [C, H, W], standard normal. Default "Noise".</summary>
    public string NoiseColumnName = DsnoColumnNames.Noise;

    /// <summary>Trajectory column written by Transform: float vector [F, C, H, W] with a "Times" annotation. Default "Trajectory".</summary>
    public string TrajectoryColumnName = DsnoColumnNames.Trajectory;

    /// <summary>Sample column written by Transform: float vector [C, H, W]. Default "Image".</summary>
    public string OutputImageColumnName = DsnoColumnNames.Image;

    /// <summary>Also write an <c>MLImage</c> column (Microsoft.ML.ImageAnalytics) of each sample, clamped and opaque. Default false.</summary>
    public bool OutputMLImage;

    /// <summary>Name of the MLImage column. Default "MLImage".</summary>
    public string MLImageColumnName = DsnoColumnNames.MLImage;

    /// <summary>Channels of the first U-Net level. Default 32.</summary>
    public int BaseChannels = 32;

    /// <summary>Channel multiplier of each U-Net level. Default [1, 2, 2].</summary>
    public int[] ChannelMultipliers = { 1, 2, 2 };

    /// <summary>Residual blocks per level. Default 2.</summary>
    public int ResBlocksPerLevel = 2;

    /// <summary>Resolutions (in pixels) with self-attention. Default none.</summary>
    public int[] AttentionResolutions = Array.Empty<int>();

    /// <summary>Dropout in residual blocks. Default 0.1.</summary>
    public double Dropout = 0.1;

    /// <summary>GroupNorm groups. Default 8.</summary>
    public int GroupNormGroups = 8;

    /// <summary>Noise schedule: "cosine" (default) or "linear".</summary>
    public string Schedule = "cosine";

    /// <summary>Solver used by Transform. Default DPM-Solver++(2M).</summary>
    public OdeSolver Solver = OdeSolver.DpmSolver2M;

    /// <summary>Solver steps used by Transform. Default 20.</summary>
    public int SolverSteps = 20;

    /// <summary>Times of the frames written to the trajectory column. Default quadratic, M = 4.</summary>
    public TimeGrid Frames = TimeGrid.Quadratic(4);

    /// <summary>Record the ODE states x(t) instead of the denoised estimates x0_hat(t). Default false.</summary>
    public bool FramesAsStates;

    /// <summary>Clamp the denoised estimate to [-1, 1] while solving. Default true.</summary>
    public bool ClipDenoised = true;

    /// <summary>Rows solved together by Transform. Default 64.</summary>
    public int TransformBatchSize = 64;

}
