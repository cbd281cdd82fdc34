using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Diffusion.Solvers;

/// <summary>
/// Heun's second-order method (explicit trapezoidal rule) on the probability-flow ODE in t, as in Karras et al. 2022 ("Elucidating
/// the Design Space of Diffusion-Based Generative Models", Algorithm 1, here in t and kept on the last step since lambda(0) is
/// finite): an Euler predictor, then a corrector with the average of the slopes at both ends. Two model evaluations per step.
/// </summary>
public static class Heun
{
    /// <summary>Integrates from <c>times[0]</c> to <c>times[^1]</c>; see <see cref="Sampler"/>.</summary>
    public static Tensor Sample(IDenoiser model, Tensor x, IReadOnlyList<double> times, Action<SamplerStep>? callback = null)
    {
        double[] t = SolverSupport.CheckArguments(model, x, times);
        var schedule = model.Schedule;
        Tensor state = x;
        for (int i = 0; i + 1 < t.Length; i++)
        {
            using var scope = torch.NewDisposeScope();
            double h = t[i + 1] - t[i];
            var prediction = model.Predict(state, t[i]);
            callback?.Invoke(new SamplerStep(i, t[i], state, prediction.Denoised));
            var slope = SolverSupport.Slope(schedule, state, prediction.Epsilon, t[i]);
            var predicted = state + slope * h;
            var slopeNext = SolverSupport.Slope(schedule, predicted, model.Predict(predicted, t[i + 1]).Epsilon, t[i + 1]);
            var next = state + (slope + slopeNext) * (h / 2);
            state = SolverSupport.Advance(state, next, x);
        }
        return SolverSupport.Finish(state, t, callback);
    }
}
