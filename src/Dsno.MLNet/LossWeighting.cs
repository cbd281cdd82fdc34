using Dsno.Training;

namespace Dsno.MLNet;

/// <summary>Per-frame weights of DSNO's trajectory loss: the core's <see cref="FrameWeighting"/>, value for value.</summary>
public enum LossWeighting
{
    /// <summary>sqrt(SNR(t)) clamped to [1, 1e4], as the paper: the final frame dominates.</summary>
    SqrtSnr = FrameWeighting.SqrtSnr,
    /// <summary>Every frame counts the same.</summary>
    Uniform = FrameWeighting.Uniform,
}
