using Dsno.Onnx;

namespace Dsno.Networks;

public sealed partial class TemporalConvolution
{
    /// <summary>
    /// The spectral branch for <paramref name="m"/> time points as one real matrix K [M*C, M*C] in float64: the branch is linear in the
    /// M*C values of each pixel, y[t', o] = sum over (t, i) of K[t' C + o, t C + i] x[t, i]. Built by running the reference path (rfft,
    /// mixing of the lowest J modes, irfft) on the M*C unit impulses, so it is the same map whichever path <see cref="Path"/> picks.
    /// </summary>
    public Tensor TimeMixingMatrix(int m)
    {
        if (m < 2) throw new ArgumentOutOfRangeException(nameof(m), m, "a temporal convolution needs M >= 2 time points");
        if (Modes > MaxModes(m))
            throw new ArgumentOutOfRangeException(nameof(m), m, $"J = {Modes} Fourier modes need J <= M/2 + 1, but M = {m} gives only {MaxModes(m)}");
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        int size = m * Channels;
        // Impulse b = t C + i is the input with x[t, i] = 1 at one pixel and zero elsewhere.
        var impulses = torch.eye(size, dtype: ScalarType.Float64, device: weight.device).reshape(size, m, Channels, 1, 1);
        var responses = SpectralBranch(impulses, m).reshape(size, size);           // [impulse (t, i), output (t', o)]
        return responses.t().contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Writes <see cref="forward"/> into <paramref name="g"/> for <paramref name="x"/> [N * M, C, H, W] (rows b * M + m): per sample the
    /// [M * C, H * W] view is multiplied by <see cref="TimeMixingMatrix"/> (an initializer, rounded to float32), then
    /// x + LeakyReLU(y). <paramref name="plane"/> is H * W.
    /// </summary>
    internal string ExportOnnx(OnnxGraphBuilder g, string x, int m, long plane, string name)
    {
        long size = (long)m * Channels;
        string matrix;
        using (var k = TimeMixingMatrix(m)) matrix = g.Initializer(name + ".time_mixing", k, size, size);
        var series = g.Reshape(x, new[] { -1, size, plane }, name + "_series");
        var mixed = g.Node("MatMul", new[] { matrix, series }, name + "_mixed");
        var y = g.Node("Reshape", new[] { mixed, g.Node("Shape", new[] { x }, name + "_shape") }, name + "_branch");
        var activated = g.Node("LeakyRelu", new[] { y }, name + "_activated", OnnxGraphBuilder.Attribute("alpha", (float)LeakySlope));
        return g.Node("Add", new[] { x, activated }, name);
    }
}
