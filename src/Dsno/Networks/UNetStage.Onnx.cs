using Dsno.Onnx;

namespace Dsno.Networks;

public sealed partial class UNetStage
{
    /// <summary>Writes <see cref="forward"/> (or <see cref="ForwardRepeated"/> when <paramref name="repeats"/> &gt; 1) into <paramref name="g"/>.</summary>
    internal string ExportOnnx(OnnxGraphBuilder g, string x, string activatedEmbedding, int repeats, long height, long width, string name)
    {
        var h = res.ExportOnnx(g, x, activatedEmbedding, repeats, height, width, name + ".res");
        return attn is null ? h : attn.ExportOnnx(g, h, name + ".attn");
    }
}
