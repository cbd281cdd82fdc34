using Dsno.Onnx;

namespace Dsno.Networks;

public sealed partial class Downsample
{
    /// <summary>Writes <see cref="forward"/> into <paramref name="g"/>: the stride-2 convolution.</summary>
    internal string ExportOnnx(OnnxGraphBuilder g, string x, string name) => g.Conv(conv, x, name + ".conv");
}
