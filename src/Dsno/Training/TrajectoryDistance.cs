namespace Dsno.Training;

/// <summary>The per-frame distance between predicted and target frames in <see cref="TrajectoryLoss"/>.</summary>
public enum TrajectoryDistance
{
    /// <summary>Mean absolute difference, as the DSNO authors train.</summary>
    L1,

    /// <summary>Mean squared difference.</summary>
    L2,

    /// <summary>
    /// Pseudo-Huber (Song and Dhariwal 2023, improved consistency training): (sqrt(|d|^2 + c^2) - c) / sqrt(D) per frame, with
    /// c = 0.00054 sqrt(D) for D values in a frame; quadratic for small errors, linear (like the RMS error) for large ones.
    /// </summary>
    PseudoHuber,
}
