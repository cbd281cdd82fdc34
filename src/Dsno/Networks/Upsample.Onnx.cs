using Dsno.Onnx;

namespace Dsno.Networks;

public sealed partial class Upsample
{
    /// <summary>
    /// Writes <see cref="forward"/> into <paramref name="g"/>: nearest x2 as Resize (asymmetric coordinates, floor rounding, which is
    /// what torch's nearest interpolation does for an integer factor), then the convolution.
    /// </summary>
    internal string ExportOnnx(OnnxGraphBuilder g, string x, string name)
    {
        var scales = g.Initializer(name + ".scales", new[] { 1f, 1f, 2f, 2f }, 4);
        var up = g.Node("Resize", new[] { x, "", scales }, name + "_nearest",
            OnnxGraphBuilder.Attribute("mode", "nearest"),
            OnnxGraphBuilder.Attribute("coordinate_transformation_mode", "asymmetric"),
            OnnxGraphBuilder.Attribute("nearest_mode", "floor"));
        return g.Conv(conv, up, name + ".conv");
    }
}
