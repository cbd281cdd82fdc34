using Dsno.Onnx;

namespace Dsno.Networks;

public sealed partial class AttentionBlock
{
    /// <summary>Writes <see cref="forward"/> into <paramref name="g"/> for <paramref name="x"/> [N, C, H, W]; returns the same shape.</summary>
    internal string ExportOnnx(OnnxGraphBuilder g, string x, string name)
    {
        long d = Channels / Heads;
        var qkvOut = g.Conv(qkv, g.GroupNorm(norm, x, Channels, name + ".norm"), name + ".qkv");
        // [N, 3, heads, d, HW]; q, k, v = [N, heads, d, HW] each.
        var parts = g.Reshape(qkvOut, new[] { 0, 3, Heads, d, -1 }, name + "_parts");
        string Part(long index, string part) => g.Node("Gather", new[] { parts, g.Int64s(new[] { index }, scalar: true) }, name + "_" + part,
            OnnxGraphBuilder.Attribute("axis", 1L));
        var perm = OnnxGraphBuilder.Attribute("perm", new long[] { 0, 1, 3, 2 });
        var q = g.Node("Transpose", new[] { Part(0, "q") }, name + "_qt", perm);                       // [N, heads, HW, d]
        var k = Part(1, "k");                                                                         // [N, heads, d, HW]
        var v = g.Node("Transpose", new[] { Part(2, "v") }, name + "_vt", perm);                      // [N, heads, HW, d]
        var scores = g.Node("Mul", new[] { g.Node("MatMul", new[] { q, k }, name + "_qk"), g.Scalar((float)(1.0 / Math.Sqrt(d))) }, name + "_scores");
        var weights = g.Node("Softmax", new[] { scores }, name + "_weights", OnnxGraphBuilder.Attribute("axis", -1L));
        var attended = g.Node("Transpose", new[] { g.Node("MatMul", new[] { weights, v }, name + "_attended_t") }, name + "_attended", perm);
        var restored = g.Node("Reshape", new[] { attended, g.Node("Shape", new[] { x }, name + "_shape") }, name + "_restored");
        return g.Node("Add", new[] { x, g.Conv(proj, restored, name + ".proj") }, name);
    }
}
