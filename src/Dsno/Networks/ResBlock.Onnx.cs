using Dsno.Onnx;

namespace Dsno.Networks;

public sealed partial class ResBlock
{
    /// <summary>
    /// Writes <see cref="forward"/> (<paramref name="repeats"/> = 1) or <see cref="ForwardRepeated"/> into <paramref name="g"/>:
    /// <paramref name="x"/> [N, Cin, H, W] (N = rows before repeating), <paramref name="activatedEmbedding"/> = SiLU(embedding)
    /// [N * repeats, E]. Dropout is the identity at inference and is left out. Returns [N * repeats, Cout, H, W].
    /// </summary>
    internal string ExportOnnx(OnnxGraphBuilder g, string x, string activatedEmbedding, int repeats, long height, long width, string name)
    {
        var h = g.Conv(conv1, g.Silu(g.GroupNorm(norm1, x, InChannels, name + ".norm1"), name + "_act1"), name + ".conv1");
        var residual = skip is null ? x : g.Conv(skip, x, name + ".skip");
        if (repeats > 1)
        {
            h = ExportRepeat(g, h, repeats, OutChannels, height, width, name + "_repeat");
            residual = ExportRepeat(g, residual, repeats, OutChannels, height, width, name + "_residual_repeat");
        }
        // FiLM: (scale, shift) = chunk(Linear(SiLU(embedding)), 2); h = GroupNorm(h) (1 + scale) + shift.
        var film = g.Reshape(g.Linear(filmProjection, activatedEmbedding, name + ".filmProjection"), new[] { -1, 2L * OutChannels, 1, 1 }, name + "_film");
        var parts = g.Nodes("Split", new[] { film }, 2, name + "_film_part", OnnxGraphBuilder.Attribute("axis", 1L));
        var scale = g.Node("Add", new[] { parts[0], g.Scalar(1f) }, name + "_film_scale");
        var normalized = g.GroupNorm(norm2, h, OutChannels, name + ".norm2");
        h = g.Node("Add", new[] { g.Node("Mul", new[] { normalized, scale }, name + "_scaled"), parts[1] }, name + "_shifted");
        h = g.Conv(conv2, g.Silu(h, name + "_act2"), name + ".conv2");
        return g.Node("Add", new[] { residual, h }, name);
    }

    /// <summary>Writes <see cref="Repeat"/>: rows n * repeats + r of the result are row n of <paramref name="x"/> [N, C, H, W].</summary>
    internal static string ExportRepeat(OnnxGraphBuilder g, string x, int repeats, long channels, long height, long width, string name)
    {
        var inserted = g.Node("Unsqueeze", new[] { x, g.Int64s(new[] { 1L }) }, name + "_unsqueezed");
        var expanded = g.Node("Expand", new[] { inserted, g.Int64s(new[] { 1L, repeats, 1, 1, 1 }) }, name + "_expanded");
        return g.Reshape(expanded, new[] { -1, channels, height, width }, name);
    }
}
