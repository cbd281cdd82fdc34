namespace Dsno.MLNet;

/// <summary>Options of <see cref="DsnoEstimator"/>: columns, the backbone (from a teacher or from scratch), the operator and its training.</summary>
public sealed class DsnoOptions : NoiseToImageOptions
{
    /// <summary>
    /// Sets DSNO's training defaults: 1000 steps, learning rate 2e-4 and no gradient clipping (the authors' choices), a cosine
    /// decay of the learning rate to zero after the warm-up (measured recipe, see <see cref="Distance"/>), and no dropout in a backbone
    /// built from the architecture fields.
    /// </summary>
    public DsnoOptions()
    {
        TrainingSteps = 1000;
        LearningRate = 2e-4;
        GradientClipNorm = 0;
        LearningRateDecay = Dsno.Training.LearningRateDecay.Cosine;
        Dropout = 0;
    }

    /// <summary>Training trajectory column: float vector [F, C, H, W] with a "Times" annotation. Default "Trajectory".</summary>
    public string TrajectoryColumnName = DsnoColumnNames.Trajectory;

    /// <summary>Trajectory column written by Transform: float vector [M, C, H, W] with a "Times" annotation. Default "Trajectory".</summary>
    public string OutputTrajectoryColumnName = DsnoColumnNames.Trajectory;

    /// <summary>The teacher whose architecture and weights initialise the backbone; null builds the backbone from the architecture fields (<see cref="NoiseToImageOptions.BaseChannels"/> and the rest).</summary>
    public DiffusionTeacherTransformer? Teacher;

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

    /// <summary>The settings the fitted transformer saves, checked.</summary>
    internal DsnoSettings Settings()
    {
        var settings = Columns(new DsnoSettings { OutputTrajectoryColumnName = OutputTrajectoryColumnName });
        settings.Validate(msg => new ArgumentOutOfRangeException("options", msg));
        return settings;
    }
}
