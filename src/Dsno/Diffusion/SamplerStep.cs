namespace Dsno.Diffusion;

/// <summary>
/// What a solver reports at each time of its step list: the state x(t_i) and the denoised estimate x0_hat(x(t_i), t_i).
/// At the last time (t = 0) no model is evaluated and <see cref="Denoised"/> is the final state itself.
/// The tensors belong to the solver's dispose scope: clone and detach them to keep them.
/// </summary>
public readonly record struct SamplerStep(int Index, double Time, Tensor State, Tensor Denoised);

/// <summary>
/// The one shape every ODE solver has: integrate the probability-flow ODE from <c>times[0]</c> to <c>times[^1]</c> (decreasing),
/// starting at <paramref name="x"/>, calling <paramref name="callback"/> at every time of the list. Returns the final state.
/// </summary>
public delegate Tensor Sampler(IDenoiser model, Tensor x, IReadOnlyList<double> times, Action<SamplerStep>? callback = null);
