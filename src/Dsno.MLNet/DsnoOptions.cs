namespace Dsno.MLNet;

/// <summary>Options of <see cref="DsnoEstimator"/>: columns, the backbone (from a teacher or from scratch), the operator and its training.</summary>
public sealed class DsnoOptions : TorchTrainerOptions
{
    /// <summary>
    /// Sets DSNO's training defaults: 1000 steps, learning rate 2e-4 and no gradient clipping (the authors' choices), and a cosine
    /// decay of the learning rate to zero after the warm-up (measured recipe, see <see cref="Distance"/>).
    /// </summary>
    public DsnoOptions()
    {
        TrainingSteps = 1000;
        LearningRate = 2e-4;
        GradientClipNorm = 0;
        LearningRateDecay = Dsno.Training.LearningRateDecay.Cosine;
    }

    /// <summary>Noise column (x_T): float vector [C, H, W]. Default "Noise".</summary>
    public string NoiseColumnName = "Noise";

    /// <summary>Training trajectory column: float vector [F, C, H, W] with a "Times" annotation. Default "Trajectory".</summary>
    public string TrajectoryColumnName = "Trajectory";

    /// <summary>Class label column (key, int or uint) for class-conditional models; null (default) = unconditional.</summary>
    public string? LabelColumnName;

    /// <summary>
    /// Float (Single or Double) column of per-row classifier-free guidance scales. When the training data has it (trajectories solved
    /// over a range of w, e.g. from noise made by the <c>GaussianNoise</c> overload with a guidance range), Fit trains a w-conditioned DSNO: a
    /// guidance embedding is added to the time and class embedding, and the transformer takes w at transform time
    /// (<see cref="DsnoTransformer.WithGuidance"/>, or this column per row). Otherwise Fit distils the one w recorded in the
    /// trajectory column's <c>Guidance</c> annotation. Default "Guidance".
    /// </summary>
    public string GuidanceColumnName = "Guidance";

    /// <summary>Sample column written by Transform: float vector [C, H, W] (the last frame). Default "Image".</summary>
    public string OutputImageColumnName = "Image";

    /// <summary>Trajectory column written by Transform: float vector [M, C, H, W] with a "Times" annotation. Default "Trajectory".</summary>
    public string OutputTrajectoryColumnName = "Trajectory";

    /// <summary>Also write an <c>MLImage</c> column of each sample, clamped and opaque. Default false.</summary>
    public bool OutputMLImage;

    /// <summary>Name of the MLImage column. Default "MLImage".</summary>
    public string MLImageColumnName = "MLImage";

    /// <summary>The teacher whose architecture and weights initialise the backbone; null builds the backbone from the architecture fields below.</summary>
    public DiffusionTeacherTransformer? Teacher;

    /// <summary>Architecture when <see cref="Teacher"/> is null: channels of the first level. Default 32.</summary>
    public int BaseChannels = 32;

    /// <summary>Architecture when <see cref="Teacher"/> is null: channel multipliers. Default [1, 2, 2].</summary>
    public int[] ChannelMultipliers = { 1, 2, 2 };

    /// <summary>Architecture when <see cref="Teacher"/> is null: residual blocks per level. Default 2.</summary>
    public int ResBlocksPerLevel = 2;

    /// <summary>Architecture when <see cref="Teacher"/> is null: attention resolutions. Default none.</summary>
    public int[] AttentionResolutions = Array.Empty<int>();

    /// <summary>Architecture when <see cref="Teacher"/> is null: dropout in residual blocks (a teacher's backbone keeps its own). Default 0.</summary>
    public double Dropout;

    /// <summary>Architecture when <see cref="Teacher"/> is null: GroupNorm groups. Default 8.</summary>
    public int GroupNormGroups = 8;

    /// <summary>Schedule of the teacher that made the trajectories (for the loss weights) when <see cref="Teacher"/> is null. Default "cosine".</summary>
    public string Schedule = "cosine";

    /// <summary>
    /// Distance between predicted and solver frames in the loss: pseudo-Huber (default), L1 (the authors') or L2. With the cosine decay of the learning rate (the constructor's
    /// default) it is the recipe the Fashion-MNIST 16x16 benchmark measured best: FD 1.48 against 2.26 for L1 with a constant rate after
    /// 1,000 steps of 16 trajectories (as low as the plain recipe after twice the steps, 1.47); the one-step baseline 4.64 against 5.36
    /// (docs/benchmarks.md, recipe table).
    /// </summary>
    public Dsno.Training.TrajectoryDistance Distance = Dsno.Training.TrajectoryDistance.PseudoHuber;

    /// <summary>Fourier modes J kept by each temporal layer; null (default) = the largest that drops the Nyquist bin (M/2 for even M).</summary>
    public int? TemporalModes;

    /// <summary>Loss weighting over frames. Default sqrt(SNR).</summary>
    public LossWeighting LossWeighting = LossWeighting.SqrtSnr;

    /// <summary>Rows run through one forward pass by Transform. Default 64.</summary>
    public int TransformBatchSize = 64;

}
