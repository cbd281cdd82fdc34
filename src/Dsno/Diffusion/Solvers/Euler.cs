namespace Dsno.Diffusion.Solvers;

/// <summary>
/// Explicit Euler on the probability-flow ODE in t (Song et al. 2021, "Score-Based Generative Modeling through SDEs", section 4.3,
/// written for an epsilon model): x_{i+1} = x_i + (t_{i+1} - t_i) dx/dt(x_i, t_i). One model evaluation per step.
/// </summary>
public static class Euler
{
    /// <summary>Integrates from <c>times[0]</c> to <c>times[^1]</c>; see <see cref="Sampler"/>.</summary>
    public static Tensor Sample(IDenoiser model, Tensor x, IReadOnlyList<double> times, Action<SamplerStep>? callback = null) =>
        SolverSupport.Integrate(model, x, times, callback, (t, i, state, prediction) =>
            state.Plus(Slope(model.Schedule, state, prediction.Epsilon, t[i]).Times(t[i + 1] - t[i])));

    /// <summary>
    /// The probability-flow ODE in t with an epsilon model: dx/dt = (d log alpha / dt) x + alpha (ds/dt) eps_hat, where s = sigma / alpha
    /// = exp(-lambda / 2), d log alpha / dt = sigma^2 lambda'(t) / 2 and ds/dt = -s lambda'(t) / 2; together
    /// dx/dt = lambda'(t) / 2 (sigma^2 x - sigma eps_hat).
    /// </summary>
    private static Tensor Slope(NoiseSchedule schedule, Tensor x, Tensor epsilon, double t)
    {
        double halfDerivative = schedule.LogSnrDerivative(t) / 2, sigma = schedule.Sigma(t);
        return x.Times(halfDerivative * sigma * sigma) - epsilon.Times(halfDerivative * sigma);
    }
}
