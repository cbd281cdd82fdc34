using TorchSharp;
using static TorchSharp.torch;

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
}
