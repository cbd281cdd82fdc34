using Dsno.Onnx;

namespace Dsno.Networks;

public sealed partial class TimestepEmbedding
{
    /// <summary>
    /// Writes <see cref="forward(Tensor, Tensor?, Tensor?)"/> for fixed slice times into <paramref name="g"/>. The time part depends on the times alone, so it is
    /// computed here by this module's own layers (the times rounded to float32, as <c>DsnoNetwork.Evaluate</c> passes them) and
    /// stored as a [M, E] initializer; the class embedding, when there is one, is gathered by <paramref name="labels"/> [N] (int64) and
    /// added, and so is the guidance-scale embedding of <paramref name="guidance"/> [N] (float32) for a w-conditioned model. Returns
    /// [N * M, E] with row b * M + m for sample b at time m; N is read from dimension 0 of <paramref name="batchSource"/>.
    /// </summary>
    internal string ExportOnnx(OnnxGraphBuilder g, IReadOnlyList<double> times, string? labels, string? guidance, string batchSource, string name)
    {
        if ((classEmbedding is null) != (labels is null))
            throw new ArgumentException(classEmbedding is null ? "this embedding is unconditional: no labels input" : "this embedding is class-conditional: a labels input is required", nameof(labels));
        if ((guidance1 is null) != (guidance is null))
            throw new ArgumentException(guidance1 is null ? "this embedding takes no guidance scale: no guidance input" : "this embedding takes the guidance scale: a guidance input is required", nameof(guidance));
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
        if (guidance is not null)
            rows = g.Node("Add", new[] { rows, g.Reshape(ExportGuidance(g, guidance, name + ".guidance"), new[] { -1, 1L, OutputDims }, name + "_guidance_per_sample") },
                name + "_rows_guided");
        return g.Reshape(rows, new[] { -1L, OutputDims }, name);
    }

    /// <summary>
    /// The guidance-scale embedding of <paramref name="guidance"/> [N]: the sinusoid of <see cref="GuidanceScale"/> w (in the same
    /// float32 steps as <see cref="Sinusoid"/>: w scaled, times <see cref="TimeScale"/>, times the frequencies; cos then sin), then
    /// Linear, SiLU, Linear. Returns [N, E].
    /// </summary>
    private string ExportGuidance(OnnxGraphBuilder g, string guidance, string name)
    {
        int half = sinusoidDims / 2;
        string frequencies;
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            frequencies = g.Initializer(name + ".frequencies", Frequencies(half, ScalarType.Float32, torch.CPU).reshape(1, half));
        }
        var scaled = g.Node("Mul", new[] { g.Node("Mul", new[] { guidance, g.Scalar((float)GuidanceScale) }, name + "_w"), g.Scalar((float)TimeScale) }, name + "_t");
        var angles = g.Node("Mul", new[] { g.Reshape(scaled, new[] { -1L, 1 }, name + "_column"), frequencies }, name + "_angles");
        var parts = new List<string> { g.Node("Cos", new[] { angles }, name + "_cos"), g.Node("Sin", new[] { angles }, name + "_sin") };
        // An odd width ends in a zero column, as Sinusoid pads it.
        if (sinusoidDims % 2 == 1) parts.Add(g.Node("Mul", new[] { g.Node("Gather", new[] { parts[0], g.Int64s(new[] { 0L }) }, name + "_first", OnnxGraphBuilder.Attribute("axis", 1L)), g.Scalar(0f) }, name + "_pad"));
        var features = g.Node("Concat", parts.ToArray(), name + "_features", OnnxGraphBuilder.Attribute("axis", 1L));
        return g.Linear(guidance2!, g.Silu(g.Linear(guidance1!, features, name + "1"), name + "_act"), name + "2");
    }
}
