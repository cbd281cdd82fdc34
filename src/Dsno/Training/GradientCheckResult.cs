namespace Dsno.Training;

/// <summary>The outcome of <see cref="GradientSelfCheck.Verify"/>.</summary>
/// <param name="WorstError">The largest relative error of a parameter's float32 gradient against the float64 copy's.</param>
/// <param name="WorstParameter">The parameter it was found in.</param>
/// <param name="Route">The convolution route the network was checked (and will be trained) on.</param>
/// <param name="Threads">torch's intra-op thread count during the check.</param>
/// <param name="Elapsed">Time the check took, the float64 copy included.</param>
public sealed record GradientCheckResult(double WorstError, string WorstParameter, ConvolutionRoute Route, int Threads, TimeSpan Elapsed)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"gradients right: worst relative error {WorstError:G2} ({WorstParameter}) on the {Route} route, {Threads} thread(s), {Elapsed.TotalMilliseconds:0} ms";
}
