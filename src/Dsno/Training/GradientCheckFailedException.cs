namespace Dsno.Training;

/// <summary>
/// Thrown before training when a network's float32 gradients disagree with a float64 copy's on every convolution route this
/// process may use: the CPU's kernels compute wrong numbers, and training on them would learn garbage.
/// </summary>
/// <param name="stage">The training stage whose network failed the check.</param>
/// <param name="error">The worst relative gradient error found.</param>
/// <param name="parameter">The parameter it was found in.</param>
/// <param name="route">The convolution route of the last attempt.</param>
/// <param name="threads">torch's thread count during the check.</param>
public sealed class GradientCheckFailedException(string stage, double error, string parameter, ConvolutionRoute route, int threads)
    : Exception($"{stage}: the float32 gradients of the network disagree with a float64 copy (relative error {error:G3} in {parameter}, " +
          $"{route} convolution route, {threads} torch thread(s)), so this CPU's kernels compute wrong numbers and training was not started. " +
          (CpuNumerics.RouteOverride is not null
              ? $"The route is fixed by {CpuNumerics.EnvironmentVariable} or CpuNumerics.RouteOverride: unset it (or set it to 'reference'). "
              : "") +
          "Try one torch thread (--threads 1 / Threads = 1), and report the output of `dsno doctor` with this message.")
{
    /// <summary>The worst relative gradient error found.</summary>
    public double Error { get; } = error;

    /// <summary>The parameter it was found in.</summary>
    public string Parameter { get; } = parameter;

    /// <summary>The convolution route of the last attempt.</summary>
    public ConvolutionRoute Route { get; } = route;

    /// <summary>torch's thread count during the check.</summary>
    public int Threads { get; } = threads;
}
