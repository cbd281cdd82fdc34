using TorchSharp.Modules;

namespace Dsno.Training;

/// <summary>
/// TorchSharp's <see cref="Adam"/> with a <see cref="step"/> that keeps every <see cref="Scalar"/> it passes to libtorch alive
/// through the call. TorchSharp 0.107.0's own step makes its coefficients as implicit Scalars, which a garbage collection during
/// the native call can free (see <see cref="Runtime.Scalars"/>). The update is the same sequence of libtorch operations with the
/// same Scalar values, so results are bit-identical; state, options and the saved state format are the base class's.
/// </summary>
public sealed class ScalarSafeAdam : Adam
{
    /// <summary>Creates the optimizer (arguments as <see cref="torch.optim.Adam(IEnumerable{Parameter}, double, double, double, double, double, bool, bool)"/>).</summary>
    public ScalarSafeAdam(IEnumerable<Parameter> parameters, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
        : base(parameters, lr, beta1, beta2, eps)
    {
    }

    /// <inheritdoc/>
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        double beta1 = options.beta1!.Value, beta2 = options.beta2!.Value;
        double weightDecay = options.weight_decay!.Value;
        bool maximize = options.maximize!.Value, amsgrad = options.amsgrad!.Value;
        double learningRate = options.LearningRate!.Value;
        using var keep1 = beta1.ToScalar();
        using var blend1 = (1 - beta1).ToScalar();
        using var keep2 = beta2.ToScalar();
        using var blend2 = (1 - beta2).ToScalar();
        using var eps = options.eps!.Value.ToScalar();
        using var decay = weightDecay.ToScalar();

        foreach (var parameter in group.Parameters)
        {
            var state = (State)_state[parameter.Handle];
            var grad = parameter.grad;
            if (grad is null) continue;
            if (maximize) grad = -grad;
            state.step += 1;
            double correction1 = 1 - Math.Pow(beta1, state.step);
            double correction2 = 1 - Math.Pow(beta2, state.step);
            if (weightDecay != 0) grad = grad.add(parameter, decay);

            state.exp_avg.mul_(keep1).add_(grad, blend1);
            state.exp_avg_sq.mul_(keep2).addcmul_(grad, grad.conj(), blend2);
            if (amsgrad)
            {
                var previous = state.max_exp_avg_sq;
                state.max_exp_avg_sq = torch.maximum(previous, state.exp_avg_sq).DetachFromDisposeScope();
                previous.Dispose();
            }
            using var rootCorrection2 = Math.Sqrt(correction2).ToScalar();
            var denominator = (amsgrad ? state.max_exp_avg_sq : state.exp_avg_sq).sqrt().div(rootCorrection2).add_(eps, Scalars.One);
            using var stepSize = (-(learningRate / correction1)).ToScalar();
            parameter.addcdiv_(state.exp_avg, denominator, stepSize);
        }
    }, closure);
}
