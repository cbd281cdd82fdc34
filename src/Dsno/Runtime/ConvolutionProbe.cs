namespace Dsno.Runtime;

/// <summary>
/// One case of the start-up convolution check: the relative error of float32 gradients against float64 ones for the same
/// inputs, max |g32 - g64| / max |g64| (about 1e-7 is float32 rounding; near 1, or NaN, is a wrong kernel).
/// </summary>
/// <param name="Case">What was convolved, e.g. "3x3, 16 -> 3 channels".</param>
/// <param name="Route">The route the case ran on.</param>
/// <param name="InputGradientError">Relative error of the gradient with respect to the input.</param>
/// <param name="WeightGradientError">Relative error of the gradient with respect to the weight.</param>
public sealed record ConvolutionProbe(string Case, ConvolutionRoute Route, double InputGradientError, double WeightGradientError)
{
    /// <summary>Both errors at most <see cref="CpuNumerics.Tolerance"/> (NaN fails).</summary>
    public bool IsRight => InputGradientError <= CpuNumerics.Tolerance && WeightGradientError <= CpuNumerics.Tolerance;

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Case} ({Route}): input gradient {InputGradientError:G3}, weight gradient {WeightGradientError:G3}{(IsRight ? "" : "  WRONG")}";
}
