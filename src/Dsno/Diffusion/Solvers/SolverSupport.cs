namespace Dsno.Diffusion.Solvers;

/// <summary>What the solvers share: input checks, the step loop, the hand-over of the state between step scopes, the last report.</summary>
internal static class SolverSupport
{
    /// <summary>
    /// The loop of every solver: at each step i, in its own dispose scope, one prediction at (state, t_i), reported to
    /// <paramref name="callback"/>, and <paramref name="step"/>(t, i, state, prediction) gives the state at t_{i+1}.
    /// </summary>
    public static Tensor Integrate(IDenoiser model, Tensor x, IReadOnlyList<double> times, Action<SamplerStep>? callback,
        Func<double[], int, Tensor, Prediction, Tensor> step)
    {
        double[] t = CheckArguments(model, x, times);
        Tensor state = x;
        for (int i = 0; i + 1 < t.Length; i++)
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            var prediction = model.Predict(state, t[i]);
            callback?.Invoke(new SamplerStep(i, t[i], state, prediction.Denoised));
            state = Advance(state, step(t, i, state, prediction), x);
        }
        return Finish(state, t, callback);
    }

    /// <summary>Checks the arguments of a <see cref="Sampler"/> and returns the times as an array.</summary>
    public static double[] CheckArguments(IDenoiser model, Tensor x, IReadOnlyList<double> times)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(times);
        if (times.Count < 2)
            throw new ArgumentOutOfRangeException(nameof(times), times.Count, "a step list needs at least 2 times (1 step)");
        DecreasingTimes.Check(times, nameof(times));
        return times.ToArray();
    }

    /// <summary>
    /// Moves the next state out of the step's scope and frees the previous one, unless it is the caller's input.
    /// </summary>
    public static Tensor Advance(Tensor previous, Tensor next, Tensor input)
    {
        next = next.MoveToOuterDisposeScope();
        if (!ReferenceEquals(previous, input)) previous.Dispose();
        return next;
    }

    /// <summary>Reports the final state (its own denoised estimate) and returns it.</summary>
    public static Tensor Finish(Tensor state, double[] times, Action<SamplerStep>? callback)
    {
        callback?.Invoke(new SamplerStep(times.Length - 1, times[^1], state, state));
        return state;
    }
}
