namespace Dsno.Diffusion.Solvers;

/// <summary>
/// DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion Probabilistic Models",
/// Algorithm 2): multistep second order in data prediction. With l = lambda / 2 = log(alpha / sigma) and h_i = l(t_i) - l(t_{i-1}),
/// x_i = (sigma_i / sigma_{i-1}) x_{i-1} - alpha_i (exp(-h_i) - 1) D_i, where D_1 = x0_hat_0 (first step first order) and
/// D_i = (1 + 1 / (2 r_i)) x0_hat_{i-1} - 1 / (2 r_i) x0_hat_{i-2} with r_i = h_{i-1} / h_i. One model evaluation per step.
/// The last step into the data end may instead be first order (D = x0_hat), as k-diffusion does when sigma_next = 0 and
/// DPM-Solver's "lower order final" does for short runs: there h is large and r small, so the extrapolation weight 1 / (2 r) is large.
/// </summary>
public static class DpmSolver2M
{
    /// <summary>Whether <see cref="Sample(IDenoiser, Tensor, IReadOnlyList{double}, Action{SamplerStep}?)"/> takes a first-order last step.</summary>
    public const bool FirstOrderFinalStepByDefault = true;

    /// <summary>Integrates from <c>times[0]</c> to <c>times[^1]</c>; see <see cref="Sampler"/>.</summary>
    public static Tensor Sample(IDenoiser model, Tensor x, IReadOnlyList<double> times, Action<SamplerStep>? callback = null) =>
        Sample(model, x, times, FirstOrderFinalStepByDefault, callback);

    /// <summary>Integrates from <c>times[0]</c> to <c>times[^1]</c>, with a first- or second-order last step.</summary>
    public static Tensor Sample(IDenoiser model, Tensor x, IReadOnlyList<double> times, bool firstOrderFinalStep, Action<SamplerStep>? callback = null)
    {
        Tensor? previousDenoised = null;
        double previousH = 0;
        try
        {
            return SolverSupport.Integrate(model, x, times, callback, (t, i, state, prediction) =>
            {
                var schedule = model.Schedule;
                double h = (schedule.LogSnr(t[i + 1]) - schedule.LogSnr(t[i])) / 2;
                var d = prediction.Denoised;
                bool finalStep = i + 2 == t.Length;
                if (previousDenoised is not null && !(finalStep && firstOrderFinalStep))
                {
                    double halfInverseRatio = h / (2 * previousH); // 1 / (2 r_i)
                    d = d.Times(1 + halfInverseRatio) - previousDenoised.Times(halfInverseRatio);
                }
                double sigmaRatio = schedule.Sigma(t[i + 1]) / schedule.Sigma(t[i]);
                var next = state.Times(sigmaRatio) - d.Times(schedule.Alpha(t[i + 1]) * StableMath.ExpM1(-h));
                previousDenoised?.Dispose();
                previousDenoised = prediction.Denoised.MoveToOuterDisposeScope();
                previousH = h;
                return next;
            });
        }
        finally
        {
            previousDenoised?.Dispose();
        }
    }
}
