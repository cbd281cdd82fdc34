namespace Dsno.Networks;

/// <summary>
/// A network whose float32 gradients <see cref="Training.GradientSelfCheck"/> can compare with those of a float64 copy before it is
/// trained, so that no training runs on a CPU whose kernels compute wrong gradients.
/// </summary>
public interface IGradientCheckable
{
    /// <summary>A new network of the same architecture and type (its weights are overwritten by the check).</summary>
    nn.Module NewUntrainedCopy();

    /// <summary>
    /// A scalar that depends on every trained parameter: the network applied to two samples drawn from <paramref name="generator"/>
    /// (drawn in float64, then cast to the network's own dtype) and mixed with random weights, so that errors cannot cancel.
    /// </summary>
    Tensor CheckObjective(Generator generator);

    /// <summary>
    /// Whether the gradient of <paramref name="parameter"/> (a name from <c>named_parameters</c>) passes through a kink of a
    /// piecewise-linear activation whose inputs sit near zero, so that float32 and float64 may take different sides of the kink
    /// for a few elements and legitimately disagree by a few percent (DSNO's temporal layers: LeakyReLU of a branch that starts
    /// almost zero). Such gradients are held to <see cref="Training.GradientSelfCheck.KinkTolerance"/> instead.
    /// </summary>
    bool IsKinkSensitive(string parameter) => false;
}
