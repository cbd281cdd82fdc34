namespace Dsno.Training;

/// <summary>Per-frame weights of the trajectory loss.</summary>
public enum FrameWeighting
{
    /// <summary>sqrt(SNR(t)) = alpha_t / sigma_t clamped to [1, 1e4], as the DSNO authors: the final frame dominates.</summary>
    SqrtSnr,
    /// <summary>Every frame counts the same.</summary>
    Uniform,
}
