namespace Dsno.Diffusion.Solvers;

/// <summary>
/// Heun's second-order method as in Karras et al. 2022 ("Elucidating the Design Space of Diffusion-Based Generative Models",
/// Algorithm 1), on the probability-flow ODE in the scaled variables y = x / alpha and s = sigma / alpha, where it reads
/// dy/ds = eps_hat(x, t) (eq. 4 with s(t) = 1 after the change of variables). Each step is an Euler predictor and a trapezoidal
/// corrector, with two exceptions that keep only the predictor. The last step, which ends at the data end where s is (nearly)
/// zero, as in Algorithm 1: a corrector there divides the clipped estimate's error by a vanishing sigma. And the step out of the
/// noise end t = 1, which Algorithm 1 does not have (it starts at sigma_max = 80): there the state is noise alone and eps_hat stays
/// almost constant over the step except near its far end, so the trapezoid's half weight on that end is wrong while Euler is
/// nearly exact. 2N - 2 model evaluations for N &gt;= 2 steps from t = 1. Pair it with <see cref="StepTimes.Karras"/>.
/// </summary>
public static class Heun
{
    /// <summary>Model evaluations for <paramref name="steps"/> steps of a list that starts at t = 1.</summary>
    public static int Evaluations(int steps) => steps == 1 ? 1 : 2 * steps - 2;

    /// <summary>Integrates from <c>times[0]</c> to <c>times[^1]</c>; see <see cref="Sampler"/>.</summary>
    public static Tensor Sample(IDenoiser model, Tensor x, IReadOnlyList<double> times, Action<SamplerStep>? callback = null) =>
        SolverSupport.Integrate(model, x, times, callback, (t, i, state, prediction) =>
        {
            var schedule = model.Schedule;
            double alpha = schedule.Alpha(t[i]), alphaNext = schedule.Alpha(t[i + 1]);
            double h = schedule.Sigma(t[i + 1]) / alphaNext - schedule.Sigma(t[i]) / alpha;
            var y = state.DividedBy(alpha);
            var next = y.Plus(prediction.Epsilon.Times(h));
            if (i + 2 < t.Length && t[i] < 1)
            {
                var epsilonNext = model.Predict(next.Times(alphaNext), t[i + 1]).Epsilon;
                next = y.Plus(prediction.Epsilon.Plus(epsilonNext).Times(h / 2));
            }
            return next.Times(alphaNext);
        });
}
