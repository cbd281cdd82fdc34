using Dsno.Onnx;

namespace Dsno.Networks;

public sealed partial class UNet
{
    /// <summary>
    /// Writes <c>forward</c> into <paramref name="g"/> for slices at fixed <paramref name="times"/> (M = repeats of every sample):
    /// <paramref name="x"/> [N, C, H, W] at this network's <see cref="UNetOptions.Height"/> and <see cref="UNetOptions.Width"/>,
    /// <paramref name="labels"/> [N] (int64) for a class-conditional network, <paramref name="guidance"/> [N] (float32) for one that takes
    /// the guidance scale as an input. After insertion point k the activation
    /// [N * M, C_k, H_k, W_k] is replaced by <paramref name="hook"/>(k, value, H_k * W_k). Returns [N * M, C, H, W].
    /// </summary>
    internal string ExportOnnx(OnnxGraphBuilder g, string x, string? labels, string? guidance, IReadOnlyList<double> times, Func<int, string, long, string>? hook)
    {
        int repeats = times.Count;
        var embedding = timeEmbedding.ExportOnnx(g, times, labels, guidance, x, "time_embed");
        var activatedEmbedding = g.Silu(embedding, "time_embed_act");
        long height = Options.Height, width = Options.Width;
        var stemOutput = g.Conv(stem, x, "stem");
        var h = repeats > 1 ? ResBlock.ExportRepeat(g, stemOutput, repeats, Options.BaseChannels, height, width, "stem_repeat") : stemOutput;
        var skips = new Stack<string>();
        skips.Push(h);
        int point = 0;
        foreach (var block in blocks)
        {
            height = Options.Height >> block.Level;
            width = Options.Width >> block.Level;
            int i = block.Index;
            switch (block.Kind)
            {
                case UNetBlockKind.Down:
                    h = Apply(point++, i == 0 && repeats > 1
                        ? downStages[i].ExportOnnx(g, stemOutput, activatedEmbedding, repeats, height, width, $"down{i}")
                        : downStages[i].ExportOnnx(g, h, activatedEmbedding, 1, height, width, $"down{i}"));
                    skips.Push(h);
                    break;
                case UNetBlockKind.Downsample:
                    h = downsamplers[i].ExportOnnx(g, h, $"downsample{i}");
                    skips.Push(h);
                    break;
                case UNetBlockKind.Middle:
                    h = Apply(point++, midAttn.ExportOnnx(g, midRes1.ExportOnnx(g, h, activatedEmbedding, 1, height, width, "mid.res1"), "mid.attn"));
                    h = midRes2.ExportOnnx(g, h, activatedEmbedding, 1, height, width, "mid.res2");
                    break;
                case UNetBlockKind.Up:
                    var joined = g.Node("Concat", new[] { h, skips.Pop() }, $"up{i}_joined", OnnxGraphBuilder.Attribute("axis", 1L));
                    h = Apply(point++, upStages[i].ExportOnnx(g, joined, activatedEmbedding, 1, height, width, $"up{i}"));
                    break;
                case UNetBlockKind.Upsample:
                    h = upsamplers[i].ExportOnnx(g, h, $"upsample{i}");
                    break;
            }
        }

        return g.Conv(outConv, g.Silu(g.GroupNorm(outNorm, h, hookChannels[^1], "out.norm"), "out_act"), "out.conv");

        string Apply(int k, string activation) => hook is null ? activation : hook(k, activation, height * width);
    }
}
