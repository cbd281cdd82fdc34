namespace Dsno.MLNet;

/// <summary>Options of <see cref="DsnoEstimator"/>: columns, the backbone (from a teacher or from scratch), the operator and its training.</summary>
public sealed class DsnoOptions
{
    /// <summary>Noise column (x_T): float vector [C, H, W]. Default "Noise".</summary>
    public string NoiseColumnName = "Noise";

    /// <summary>Training trajectory column: float vector [F, C, H, W] with a "Times" annotation. Default "Trajectory".</summary>
    public string TrajectoryColumnName = "Trajectory";

    /// <summary>Class label column (key, int or uint) for class-conditional models; null (default) = unconditional.</summary>
    public string? LabelColumnName;

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

    /// <summary>Fourier modes J kept by each temporal layer; null (default) = the largest that drops the Nyquist bin (M/2 for even M).</summary>
    public int? TemporalModes;

    /// <summary>Loss weighting over frames. Default sqrt(SNR).</summary>
    public LossWeighting LossWeighting = LossWeighting.SqrtSnr;

    /// <summary>Optimiser steps. Default 1000.</summary>
    public int TrainingSteps = 1000;

    /// <summary>Trajectories per step. Default 64.</summary>
    public int BatchSize = 64;

    /// <summary>Peak Adam learning rate. Default 2e-4 (the authors').</summary>
    public double LearningRate = 2e-4;

    /// <summary>Linear warm-up steps. Default 100.</summary>
    public int WarmupSteps = 100;

    /// <summary>Decay of the weight average used for sampling. Default 0.999.</summary>
    public double EmaDecay = 0.999;

    /// <summary>Gradient norm clip (0 = off, the authors' choice). Default 0.</summary>
    public double GradientClipNorm;

    /// <summary>Seed. Default 0.</summary>
    public int Seed;

    /// <summary>Checkpoint file to write during training and resume from. Default none.</summary>
    public string? CheckpointPath;

    /// <summary>Steps between checkpoints (0 = only at the end or when cancelled). Default 0.</summary>
    public int CheckpointInterval;

    /// <summary>Rows run through one forward pass by Transform. Default 64.</summary>
    public int TransformBatchSize = 64;

    /// <summary>Torch device: "cpu" (default) or "cuda".</summary>
    public string Device = "cpu";

    /// <summary>Torch intra-op threads during training (0 = leave as is). Default 0.</summary>
    public int Threads;

    /// <summary>Receives a report after every training step.</summary>
    public IProgress<DsnoTrainingProgress>? Progress;

    /// <summary>Stops training when cancelled (as does <c>MLContext.CancelExecution</c>).</summary>
    public CancellationToken CancellationToken;
}
