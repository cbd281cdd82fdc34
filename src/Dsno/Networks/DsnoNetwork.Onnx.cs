using Dsno.Onnx;

namespace Dsno.Networks;

public sealed partial class DsnoNetwork
{
    /// <summary>
    /// Writes <see cref="forward(TorchSharp.torch.Tensor, TorchSharp.torch.Tensor?, TorchSharp.torch.Tensor?)"/> into <paramref name="g"/>: <paramref name="noise"/> [N, C, H, W] and, for a class-conditional network,
    /// <paramref name="labels"/> [N] (int64) and, for a w-conditioned network, <paramref name="guidance"/> [N] (float32) give the trajectory [N, M, C, H, W] at <see cref="FrameTimes"/> and the image [N, C, H, W]
    /// (its last frame). Each temporal layer becomes one MatMul with its precomputed time-mixing matrix. With a <paramref name="query"/>
    /// plan the graph evaluates its slices instead and blends them into the queried frames, as <c>DsnoModel.Decode</c> does.
    /// </summary>
    internal (string Trajectory, string Image) ExportOnnx(OnnxGraphBuilder g, string noise, string? labels, string? guidance, ContinuousTimeQuery? query = null)
    {
        var times = query?.SliceTimes ?? frameTimes;
        int m = times.Length;
        var options = backbone.Options;
        var slices = backbone.ExportOnnx(g, noise, labels, guidance, times,
            (k, h, plane) => temporalLayers[k].ExportOnnx(g, h, m, plane, $"temporal{k}"));
        var trajectory = g.Reshape(slices, new[] { -1L, m, options.Channels, options.Height, options.Width }, query is null ? "trajectory_frames" : "slices");
        if (query is not null)
        {
            string Slice(int index) => g.Node("Gather", new[] { trajectory, g.Int64s(new[] { (long)index }) }, $"slice{index}", OnnxGraphBuilder.Attribute("axis", 1L));
            var frames = query.Reads.Select((read, i) =>
            {
                if (read.Weight == 0) return Slice(read.Lower);
                // frame = slice[lower] (1 - w) + slice[upper] w
                var lower = g.Node("Mul", new[] { Slice(read.Lower), g.Scalar((float)(1 - read.Weight)) }, $"frame{i}_lower");
                var upper = g.Node("Mul", new[] { Slice(read.Upper), g.Scalar((float)read.Weight) }, $"frame{i}_upper");
                return g.Node("Add", new[] { lower, upper }, $"frame{i}");
            }).ToArray();
            trajectory = frames.Length == 1 ? frames[0] : g.Node("Concat", frames, "trajectory_frames", OnnxGraphBuilder.Attribute("axis", 1L));
            m = frames.Length;
        }
        var image = g.Node("Gather", new[] { trajectory, g.Int64s(new[] { (long)m - 1 }, scalar: true) }, "image_frame",
            OnnxGraphBuilder.Attribute("axis", 1L));
        return (trajectory, image);
    }
}
