namespace Dsno.Training;

/// <summary>Optimisation settings shared by every trainer (teacher, DSNO operator, one-step distillation).</summary>
public sealed record TrainingOptions
{
    /// <summary>Optimiser steps to run in total (a resumed run continues up to this count).</summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Examples per step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Peak Adam learning rate (betas 0.9 / 0.999, as the DSNO authors).</summary>
    public double LearningRate { get; init; } = 2e-4;

    /// <summary>Steps of linear learning-rate warm-up from 0 to <see cref="LearningRate"/>.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>How the learning rate falls after the warm-up (<see cref="LearningRateSchedule"/>). Default <see cref="LearningRateDecay.Constant"/>.</summary>
    public LearningRateDecay LearningRateDecay { get; init; } = LearningRateDecay.Constant;

    /// <summary>Decay of the exponential moving average of the weights used for sampling; 0 disables the average.</summary>
    public double EmaDecay { get; init; } = 0.999;

    /// <summary>Seed: the randomness of step s depends only on (seed, s), so runs repeat bit for bit at a fixed thread count and resume exactly.</summary>
    public int Seed { get; init; } = 0;

    /// <summary>Clip the global gradient norm to this value; 0 disables clipping.</summary>
    public double GradientClipNorm { get; init; } = 1.0;

    /// <summary>File for periodic checkpoints; an existing checkpoint there is resumed from. Null: no checkpoints.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Steps between checkpoints (0: only when cancelled and at the end).</summary>
    public int CheckpointInterval { get; init; } = 0;

    /// <summary>Torch device ("cpu", "cuda", "cuda:1").</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Intra-op threads for torch; 0 leaves the process setting alone. Results repeat exactly only at a fixed thread count.</summary>
    public int Threads { get; init; } = 0;

    /// <summary>
    /// Steps (each in 1 .. <see cref="Steps"/> - 1) after which <see cref="Snapshot"/> is called; null or empty: none. With a learning
    /// rate that is constant after the warm-up, the snapshot after k steps is the model a run of k steps ends with, so one long run
    /// yields a whole training-budget curve.
    /// </summary>
    public IReadOnlyList<int>? SnapshotSteps { get; init; }

    /// <summary>
    /// Called after each of <see cref="SnapshotSteps"/> with the run so far, while the model holds its averaged weights (in eval mode);
    /// the raw weights are put back afterwards, so training continues exactly as it would without the call.
    /// </summary>
    public Action<TrainingResult>? Snapshot { get; init; }

    /// <summary>Checks the values and throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "must be at least 1");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "must be at least 1");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "must be a positive finite number");
        if (!Enum.IsDefined(LearningRateDecay)) throw new ArgumentOutOfRangeException(nameof(LearningRateDecay), LearningRateDecay, "unknown learning-rate decay");
        if (WarmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(WarmupSteps), WarmupSteps, "must not be negative");
        if (EmaDecay < 0 || EmaDecay >= 1) throw new ArgumentOutOfRangeException(nameof(EmaDecay), EmaDecay, "must be in [0, 1)");
        if (GradientClipNorm < 0) throw new ArgumentOutOfRangeException(nameof(GradientClipNorm), GradientClipNorm, "must not be negative");
        if (CheckpointInterval < 0) throw new ArgumentOutOfRangeException(nameof(CheckpointInterval), CheckpointInterval, "must not be negative");
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "must not be negative");
        if (SnapshotSteps is { Count: > 0 })
        {
            if (Snapshot is null) throw new ArgumentException("SnapshotSteps is set but Snapshot (the callback that receives them) is null", nameof(Snapshot));
            foreach (int k in SnapshotSteps)
                if (k < 1 || k >= Steps) throw new ArgumentOutOfRangeException(nameof(SnapshotSteps), k, $"every snapshot step must be in 1 .. {Steps - 1} (the final model is the run's result)");
        }
    }
}
