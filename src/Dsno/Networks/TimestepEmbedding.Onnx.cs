using Dsno.Onnx;

namespace Dsno.Networks;

public sealed partial class TimestepEmbedding
{
    /// <summary>
    /// Writes <see cref="forward(Tensor, Tensor?, Tensor?)"/> for fixed slice times into <paramref name="g"/>. The time part depends on the times alone, so it is
    /// computed here by this module's own layers (the times rounded to float32, as <c>DsnoNetwork.Evaluate</c> passes them) and
    /// stored as a [M, E] initializer; the class embedding, when there is one, is gathered by <paramref name="labels"/> [N] (int64) and
    /// added. Returns [N * M, E] with row b * M + m for sample b at time m; N is read from dimension 0 of <paramref name="batchSource"/>.
    /// </summary>
    internal string ExportOnnx(OnnxGraphBuilder g, IReadOnlyList<double> times, string? labels, string batchSource, string name)
    {
        if ((classEmbedding is null) != (labels is null))
            throw new ArgumentException(classEmbedding is null ? "this embedding is unconditional: no labels input" : "this embedding is class-conditional: a labels input is required", nameof(labels));
        int m = times.Count;
        string perTime;
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            var device = linear1.weight!.device;
            var t = torch.tensor(times.Select(s => (float)s).ToArray(), device: device);
            var table = linear2.forward(nn.functional.silu(linear1.forward(Sinusoid(t, sinusoidDims))));
            perTime = g.Initializer(name + ".per_time", table);
        }

        string rows;
        if (classEmbedding is null)
        {
            var batch = g.Node("Gather", new[] { g.Node("Shape", new[] { batchSource }, name + "_input_shape"), g.Int64s(new[] { 0L }) }, name + "_batch",
                OnnxGraphBuilder.Attribute("axis", 0L));
            var shape = g.Node("Concat", new[] { batch, g.Int64s(new long[] { m, OutputDims }) }, name + "_rows_shape", OnnxGraphBuilder.Attribute("axis", 0L));
            rows = g.Node("Expand", new[] { perTime, shape }, name + "_rows");
        }
        else
        {
            var classes = g.Node("Gather", new[] { g.Initializer(name + ".class_embedding", classEmbedding.weight!), labels! }, name + "_classes",
                OnnxGraphBuilder.Attribute("axis", 0L));
            rows = g.Node("Add", new[] { g.Reshape(classes, new[] { -1, 1L, OutputDims }, name + "_classes_per_sample"), perTime }, name + "_rows");
        }
        return g.Reshape(rows, new[] { -1L, OutputDims }, name);
    }
}
