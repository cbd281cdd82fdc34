using Dsno.Training;

namespace Dsno.MLNet;

/// <summary>
/// What every trainer of this package is told about its training loop (Adam with linear warm-up, an exponential moving average of the
/// weights, optional gradient clipping and checkpoints), in the manner of ML.NET's TorchSharp trainers' options. Each derived options
/// class sets its own defaults in its constructor; the values below are the ones <see cref="DiffusionTeacherOptions"/> keeps.
/// </summary>
public abstract class TorchTrainerOptions
{
    /// <summary>Optimiser steps. Default 2000 (<see cref="DsnoOptions"/>: 1000).</summary>
    public int TrainingSteps = 2000;

    /// <summary>Training rows per step. Default 64.</summary>
    public int BatchSize = 64;

    /// <summary>Peak Adam learning rate. Default 5e-4 (<see cref="DsnoOptions"/>: 2e-4, the authors').</summary>
    public double LearningRate = 5e-4;

    /// <summary>Linear warm-up steps. Default 100.</summary>
    public int WarmupSteps = 100;

    /// <summary>How the learning rate falls after the warm-up: constant, cosine or linear to zero at the last step. Default constant.</summary>
    public Dsno.Training.LearningRateDecay LearningRateDecay = Dsno.Training.LearningRateDecay.Constant;

    /// <summary>Decay of the weight average used after training. Default 0.999.</summary>
    public double EmaDecay = 0.999;

    /// <summary>Gradient norm clip (0 = off). Default 1 (<see cref="DsnoOptions"/>: 0, the authors' choice).</summary>
    public double GradientClipNorm = 1.0;

    /// <summary>Seed: the same seed and thread count give bit-identical weights. Default 0.</summary>
    public int Seed;

    /// <summary>Checkpoint file to write during training and resume from. Default none.</summary>
    public string? CheckpointPath;

    /// <summary>Steps between checkpoints (0 = only at the end or when cancelled). Default 0.</summary>
    public int CheckpointInterval;

    /// <summary>Torch device: "cpu" (default) or "cuda".</summary>
    public string Device = "cpu";

    /// <summary>Torch intra-op threads during training (0 = leave as is). Default 0.</summary>
    public int Threads;

    /// <summary>Receives a report after every training step.</summary>
    public IProgress<DsnoTrainingProgress>? Progress;

    /// <summary>Stops training when cancelled (as does <c>MLContext.CancelExecution</c>).</summary>
    public CancellationToken CancellationToken;

    /// <summary>The core loop's options, checked.</summary>
    internal TrainingOptions ToTrainingOptions()
    {
        var training = new TrainingOptions
        {
            Steps = TrainingSteps, BatchSize = BatchSize, LearningRate = LearningRate, WarmupSteps = WarmupSteps, LearningRateDecay = LearningRateDecay, EmaDecay = EmaDecay,
            Seed = Seed, GradientClipNorm = GradientClipNorm, CheckpointPath = CheckpointPath, CheckpointInterval = CheckpointInterval,
            Device = Device, Threads = Threads,
        };
        training.Validate();
        return training;
    }
}
