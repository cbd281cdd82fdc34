namespace Dsno.Networks;

/// <summary>
/// How a <see cref="TemporalConvolution"/> computes its spectral branch. Both paths give the same result up to float rounding;
/// they differ in cost only.
/// </summary>
public enum TemporalMixingPath
{
    /// <summary>
    /// <see cref="TimeDomain"/> for M &lt;= <see cref="TemporalConvolution.TimeDomainMaxPoints"/> time points, <see cref="Spectral"/>
    /// above (the time-domain transforms cost O(M J) per channel and pixel, the FFT O(M log M)).
    /// </summary>
    Auto = 0,

    /// <summary>The reference: rfft over time, complex channel mixing of the lowest J modes, inverse rfft.</summary>
    Spectral = 1,

    /// <summary>
    /// The same linear map in real arithmetic: a real DFT restricted to the J kept modes (a matrix with M columns and one row each
    /// for DC and the Nyquist bin, two for every other mode), one real channel-mixing block per mode, and the matching real
    /// inverse, each a batched matrix product on the layer's native [B, M, C*H*W] layout (no permutes, no complex tensors).
    /// </summary>
    TimeDomain = 2,
}
