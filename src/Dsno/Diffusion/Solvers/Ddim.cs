namespace Dsno.Diffusion.Solvers;

/// <summary>
/// Deterministic DDIM (Song, Meng and Ermon 2021, "Denoising Diffusion Implicit Models", eq. 12 with eta = 0): the first-order
/// exponential integrator of the probability-flow ODE in data prediction, x_s = alpha_s x0_hat(x_t, t) + sigma_s eps_hat(x_t, t).
/// One model evaluation per step.
/// </summary>
public static class Ddim
{
    /// <summary>Integrates from <c>times[0]</c> to <c>times[^1]</c>; see <see cref="Sampler"/>.</summary>
    public static Tensor Sample(IDenoiser model, Tensor x, IReadOnlyList<double> times, Action<SamplerStep>? callback = null) =>
        SolverSupport.Integrate(model, x, times, callback, (t, i, state, prediction) =>
        {
            var schedule = model.Schedule;
            double alphaNext = schedule.Alpha(t[i + 1]), sigmaNext = schedule.Sigma(t[i + 1]);
            return prediction.Denoised.Times(alphaNext).Plus(prediction.Epsilon.Times(sigmaNext));
        });
}
