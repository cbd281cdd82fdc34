using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Diffusion.Solvers;

/// <summary>
/// Explicit Euler on the probability-flow ODE in t (Song et al. 2021, "Score-Based Generative Modeling through SDEs", section 4.3,
/// written for an epsilon model): x_{i+1} = x_i + (t_{i+1} - t_i) dx/dt(x_i, t_i). One model evaluation per step.
/// </summary>
public static class Euler
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
            var prediction = model.Predict(state, t[i]);
            callback?.Invoke(new SamplerStep(i, t[i], state, prediction.Denoised));
            var slope = SolverSupport.Slope(schedule, state, prediction.Epsilon, t[i]);
            var next = state + slope * (t[i + 1] - t[i]);
            state = SolverSupport.Advance(state, next, x);
        }
        return SolverSupport.Finish(state, t, callback);
    }
}
