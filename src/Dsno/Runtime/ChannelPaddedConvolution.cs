namespace Dsno.Runtime;

/// <summary>
/// A 2-D convolution computed with zero output channels appended up to a multiple of <see cref="CpuNumerics.ChannelAlignment"/>,
/// then cut back: the same values and gradients as the plain convolution, but oneDNN's kernels only see an aligned output channel
/// count, which they handle right on every CPU checked (<see cref="ConvolutionRoute.ChannelPadded"/>).
/// </summary>
internal static class ChannelPaddedConvolution
{
    /// <summary>conv2d of <paramref name="x"/> [B, Cin, H, W] with <paramref name="weight"/> [Cout, Cin, kH, kW], groups 1.</summary>
    public static Tensor Apply(Tensor x, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation)
    {
        long outChannels = weight.shape[0];
        long extra = CpuNumerics.AlignedChannels(outChannels) - outChannels;
        if (extra == 0) return nn.functional.conv2d(x, weight, bias, stride, padding, dilation);

        using var scope = NewDisposeScope();
        var zeroWeights = torch.zeros(new[] { extra, weight.shape[1], weight.shape[2], weight.shape[3] }, weight.dtype, weight.device);
        var paddedWeight = torch.cat(new[] { weight, zeroWeights }, 0);
        var paddedBias = bias is null ? null : torch.cat(new[] { bias, torch.zeros(extra, bias.dtype, bias.device) }, 0);
        var y = nn.functional.conv2d(x, paddedWeight, paddedBias, stride, padding, dilation);
        return y.narrow(1, 0, outChannels).MoveToOuterDisposeScope();
    }
}
