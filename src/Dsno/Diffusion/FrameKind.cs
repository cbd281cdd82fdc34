namespace Dsno.Diffusion;

/// <summary>What a trajectory frame holds.</summary>
public enum FrameKind
{
    /// <summary>The teacher's denoised estimate x0_hat(x(t), t), in image space (the DSNO authors' choice).</summary>
    Denoised = 0,
    /// <summary>The ODE state x(t) itself.</summary>
    State = 1,
}
