using Dsno.Onnx;

namespace Dsno.Networks;

public sealed partial class DsnoNetwork
{
    /// <summary>
    /// Writes <see cref="forward"/> into <paramref name="g"/>: <paramref name="noise"/> [N, C, H, W] and, for a class-conditional network,
    /// <paramref name="labels"/> [N] (int64) give the trajectory [N, M, C, H, W] at <see cref="FrameTimes"/> and the image [N, C, H, W]
    /// (its last frame). Each temporal layer becomes one MatMul with its precomputed time-mixing matrix.
    /// </summary>
    internal (string Trajectory, string Image) ExportOnnx(OnnxGraphBuilder g, string noise, string? labels)
    {
        int m = frameTimes.Length;
        var options = backbone.Options;
        var slices = backbone.ExportOnnx(g, noise, labels, frameTimes,
            (k, h, plane) => temporalLayers[k].ExportOnnx(g, h, m, plane, $"temporal{k}"));
        var trajectory = g.Reshape(slices, new[] { -1L, m, options.Channels, options.Height, options.Width }, "trajectory_frames");
        var image = g.Node("Gather", new[] { trajectory, g.Int64s(new[] { (long)m - 1 }, scalar: true) }, "image_frame",
            OnnxGraphBuilder.Attribute("axis", 1L));
        return (trajectory, image);
    }
}
