using TorchSharp.Modules;

namespace Dsno.Networks;

/// <summary>
/// Runs a <see cref="Conv2d"/> of this project's networks on the route that <see cref="CpuNumerics"/> found right on this CPU.
/// Only a convolution whose input gradient will be computed and whose output channel count is unaligned can differ from
/// <c>conv.forward(x)</c>: inference, and aligned layers, never pay for the check or the workaround.
/// </summary>
internal static class RoutedConvolution
{
    /// <summary>The output of <paramref name="conv"/> for <paramref name="x"/>, with the same values and gradients on every route.</summary>
    public static Tensor Forward(Conv2d conv, Tensor x)
    {
        var weight = conv.weight ?? throw new InvalidOperationException($"convolution {conv.GetName()} has no weight");
        if (conv.out_channels % CpuNumerics.ChannelAlignment == 0 || conv.groups != 1 || !x.requires_grad || !torch.is_grad_enabled()
            || x.device_type != DeviceType.CPU || conv.padding_mode != PaddingModes.Zeros || conv.padding_type is not null)
            return conv.forward(x);
        if (CpuNumerics.Route != ConvolutionRoute.ChannelPadded) return conv.forward(x);
        return ChannelPaddedConvolution.Apply(x, weight, conv.bias, conv.stride, conv.padding!, conv.dilation);
    }
}
