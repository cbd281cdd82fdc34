namespace Dsno.Diffusion;

/// <summary>The two views of one model evaluation at state x_t: the noise estimate and the denoised estimate x0_hat.</summary>
/// <param name="Epsilon">eps_hat(x_t, t).</param>
/// <param name="Denoised">x0_hat(x_t, t) = (x_t - sigma eps_hat) / alpha.</param>
public readonly record struct Prediction(Tensor Epsilon, Tensor Denoised);

/// <summary>
/// A diffusion model seen by the solvers: given a batch of states at one time t it returns both predictions.
/// Separate from the network (k-diffusion style): the wrapper knows the schedule, the labels and the parameterisation.
/// </summary>
public interface IDenoiser
{
    /// <summary>The schedule that relates t to alpha and sigma.</summary>
    NoiseSchedule Schedule { get; }

    /// <summary>Evaluates the model on a batch <paramref name="x"/> [B, C, H, W] at time <paramref name="t"/>.</summary>
    Prediction Predict(Tensor x, double t);

    /// <summary>Model evaluations (network forward passes) made so far.</summary>
    long Evaluations { get; }
}
