namespace Dsno.Bench;

/// <summary>What one training run (teacher or student) did, as stored next to its model.</summary>
/// <param name="Name">Model id.</param>
/// <param name="Steps">Optimiser steps in total.</param>
/// <param name="BatchSize">Examples per step.</param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="WarmupSteps">Warm-up steps.</param>
/// <param name="EmaDecay">EMA decay.</param>
/// <param name="Seed">Training seed.</param>
/// <param name="Parameters">Scalar parameters of the trained network.</param>
/// <param name="StepsThisRun">Steps made by the last process (fewer when it resumed from a checkpoint).</param>
/// <param name="SecondsThisRun">Wall time of those steps.</param>
/// <param name="FirstLoss">Mean loss of the first 50 steps.</param>
/// <param name="LastLoss">Mean loss of the last 50 steps.</param>
/// <param name="Threads">Torch intra-op threads.</param>
public sealed record TrainingSummary(string Name, int Steps, int BatchSize, double LearningRate, int WarmupSteps, double EmaDecay, int Seed,
    long Parameters, int StepsThisRun, double SecondsThisRun, double FirstLoss, double LastLoss, int Threads)
{
    /// <summary>Seconds per optimiser step, measured over the steps of the last process.</summary>
    public double SecondsPerStep => StepsThisRun > 0 ? SecondsThisRun / StepsThisRun : double.NaN;
}
