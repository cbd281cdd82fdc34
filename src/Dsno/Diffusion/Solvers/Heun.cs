using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Diffusion.Solvers;

/// <summary>
/// Heun's second-order method as in Karras et al. 2022 ("Elucidating the Design Space of Diffusion-Based Generative Models",
/// Algorithm 1), on the probability-flow ODE in the scaled variables y = x / alpha and s = sigma / alpha, where it reads
/// dy/ds = eps_hat(x, t) (eq. 4 with s(t) = 1 after the change of variables). Each step is an Euler predictor and a trapezoidal
/// corrector; the last step, which ends at the data end where s is (nearly) zero, keeps only the predictor, as in Algorithm 1,
/// because a corrector there divides the clipped estimate's error by a vanishing sigma. 2N - 1 model evaluations for N steps.
/// Pair it with <see cref="StepTimes.Karras"/>: in s the step sizes of a list uniform in t span four orders of magnitude.
/// </summary>
public static class Heun
{
    /// <summary>Model evaluations for <paramref name="steps"/> steps.</summary>
    public static int Evaluations(int steps) => 2 * steps - 1;

    /// <summary>Integrates from <c>times[0]</c> to <c>times[^1]</c>; see <see cref="Sampler"/>.</summary>
    public static Tensor Sample(IDenoiser model, Tensor x, IReadOnlyList<double> times, Action<SamplerStep>? callback = null)
    {
        double[] t = SolverSupport.CheckArguments(model, x, times);
        var schedule = model.Schedule;
        Tensor state = x;
        for (int i = 0; i + 1 < t.Length; i++)
        {
            using var scope = torch.NewDisposeScope();
            double alpha = schedule.Alpha(t[i]), alphaNext = schedule.Alpha(t[i + 1]);
            double h = schedule.Sigma(t[i + 1]) / alphaNext - schedule.Sigma(t[i]) / alpha;
            var prediction = model.Predict(state, t[i]);
            callback?.Invoke(new SamplerStep(i, t[i], state, prediction.Denoised));
            var y = state / alpha;
            var next = y + prediction.Epsilon * h;
            if (i + 2 < t.Length)
            {
                var epsilonNext = model.Predict(next * alphaNext, t[i + 1]).Epsilon;
                next = y + (prediction.Epsilon + epsilonNext) * (h / 2);
            }
            state = SolverSupport.Advance(state, next * alphaNext, x);
        }
        return SolverSupport.Finish(state, t, callback);
    }
}
