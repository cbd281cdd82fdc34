namespace Dsno.Runtime;

/// <summary>How the project's networks run convolutions while training on this CPU (see <see cref="CpuNumerics"/>).</summary>
public enum ConvolutionRoute
{
    /// <summary>libtorch's default: oneDNN kernels wherever libtorch picks them. The fastest; right on CPUs that pass the check.</summary>
    OneDnn,

    /// <summary>
    /// oneDNN, with every convolution whose output channel count is not a multiple of <see cref="CpuNumerics.ChannelAlignment"/>
    /// computed with zero output channels appended (and then dropped), so that oneDNN's backward-data kernel only meets aligned
    /// channel counts. For CPUs on which oneDNN gets the input gradient of unaligned convolutions wrong.
    /// </summary>
    ChannelPadded,

    /// <summary>oneDNN (and NNPACK) switched off: libtorch's own convolution kernels. Right everywhere seen, about 3 to 4 times slower.</summary>
    Reference,
}
