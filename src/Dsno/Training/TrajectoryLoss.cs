using Dsno.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Training;

/// <summary>
/// DSNO's training loss (paper Section 4, the authors' weighted L1): the mean over frames of w(t_i) * mean |prediction_i - target_i|,
/// with w = sqrt(SNR) clamped to [1, 1e4] or 1.
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

    /// <summary>The loss of predicted frames against target frames, both [B, F, C, H, W], with one weight per frame.</summary>
    public static Tensor Compute(Tensor predicted, Tensor target, IReadOnlyList<double> weights)
    {
        if (!predicted.shape.SequenceEqual(target.shape))
            throw new ArgumentException($"prediction shape [{string.Join(", ", predicted.shape)}] differs from target shape [{string.Join(", ", target.shape)}]");
        if (weights.Count != predicted.shape[1]) throw new ArgumentException($"{weights.Count} weights for {predicted.shape[1]} frames");
        var perFrame = (predicted - target).abs().mean(new long[] { 0, 2, 3, 4 });
        var w = torch.tensor(weights.Select(x => (float)x).ToArray(), device: predicted.device);
        return (perFrame * w).mean();
    }
}
