namespace Dsno.Networks;

/// <summary>The random draws the networks' <see cref="IGradientCheckable.CheckObjective"/> implementations share.</summary>
internal static class GradientCheckInputs
{
    /// <summary>Samples the self-check uses: two, so that batched kernels (which libtorch skips at batch 1) are exercised.</summary>
    public const int Samples = 2;

    /// <summary>Standard normal values of <paramref name="shape"/>, drawn in float64 and cast to <paramref name="type"/>.</summary>
    public static Tensor Normal(long[] shape, ScalarType type, Generator generator) =>
        torch.randn(shape, ScalarType.Float64, generator: generator).to(type);

    /// <summary>Class labels for a conditional network, or null.</summary>
    public static Tensor? Labels(int classes, Generator generator) =>
        classes > 0 ? torch.randint(0, classes, new long[] { Samples }, generator: generator) : null;

    /// <summary>The sum of <paramref name="output"/> weighted by standard normal draws.</summary>
    public static Tensor Mixed(Tensor output, Generator generator) => (output * Normal(output.shape, output.dtype, generator)).sum();

    /// <summary>The dtype of the module's first parameter.</summary>
    public static ScalarType TypeOf(nn.Module module) => module.parameters().First().dtype;
}
