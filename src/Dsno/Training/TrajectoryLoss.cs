namespace Dsno.Training;

/// <summary>
/// DSNO's training loss (paper Section 4, the authors' weighted L1): the mean over frames of w(t_i) * distance(prediction_i, target_i),
/// with w = sqrt(SNR) clamped to [1, 1e4] or 1, and the distance L1 (the authors'), L2 or pseudo-Huber (<see cref="TrajectoryDistance"/>).
/// </summary>
public static class TrajectoryLoss
{
    /// <summary>Clamp bounds of the sqrt(SNR) weight.</summary>
    public const double MinWeight = 1, MaxWeight = 1e4;

    /// <summary>The weight of each frame time.</summary>
    public static double[] Weights(NoiseSchedule schedule, IReadOnlyList<double> times, FrameWeighting weighting) =>
        times.Select(t => weighting == FrameWeighting.Uniform
            ? 1.0
            : Math.Clamp(schedule.Alpha(t) / schedule.Sigma(t), MinWeight, MaxWeight)).ToArray();

    /// <summary>The pseudo-Huber constant per sqrt(values in a frame) (improved consistency training).</summary>
    public const double PseudoHuberScale = 0.00054;

    /// <summary>The loss of predicted frames against target frames, both [B, F, C, H, W], with one weight per frame.</summary>
    public static Tensor Compute(Tensor predicted, Tensor target, IReadOnlyList<double> weights, TrajectoryDistance distance = TrajectoryDistance.L1)
    {
        if (!predicted.shape.SequenceEqual(target.shape))
            throw new ArgumentException($"prediction shape [{string.Join(", ", predicted.shape)}] differs from target shape [{string.Join(", ", target.shape)}]");
        if (weights.Count != predicted.shape[1]) throw new ArgumentException($"{weights.Count} weights for {predicted.shape[1]} frames");
        var difference = predicted - target;
        var perFrame = distance switch
        {
            TrajectoryDistance.L1 => difference.abs().mean(new long[] { 0, 2, 3, 4 }),
            TrajectoryDistance.L2 => difference.Squared().mean(new long[] { 0, 2, 3, 4 }),
            TrajectoryDistance.PseudoHuber => PseudoHuber(difference),
            _ => throw new ArgumentOutOfRangeException(nameof(distance), distance, "unknown trajectory distance"),
        };
        var w = torch.tensor(weights.Select(x => (float)x).ToArray(), device: predicted.device);
        return (perFrame * w).mean();
    }

    // Per sample and frame: (sqrt(|d|^2 + c^2) - c) / sqrt(D), then the mean over the batch: [F].
    private static Tensor PseudoHuber(Tensor difference)
    {
        long values = difference.shape[2] * difference.shape[3] * difference.shape[4];
        double c = PseudoHuberScale * Math.Sqrt(values);
        var squaredNorm = difference.Squared().sum(new long[] { 2, 3, 4 });
        return squaredNorm.Plus(c * c).sqrt().Plus(-c).DividedBy(Math.Sqrt(values)).mean(new long[] { 0 });
    }
}
