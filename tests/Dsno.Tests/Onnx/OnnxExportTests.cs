using Dsno.Onnx;
using Onnx;
using TorchSharp;
using Xunit.Abstractions;

namespace Dsno.Tests.Onnx;

public class OnnxExportTests(ITestOutputHelper output)
{
    private static readonly HashSet<string> AllowedOperators = new(StringComparer.Ordinal)
    {
        "Conv", "Gemm", "MatMul", "Add", "Mul", "Sigmoid", "Softmax", "Reshape", "Shape", "InstanceNormalization", "Transpose",
        "Gather", "Split", "Unsqueeze", "Expand", "Concat", "Resize", "LeakyRelu", "Identity",
    };

    public static TheoryData<int, int, bool> Cases()
    {
        var data = new TheoryData<int, int, bool>();
        foreach (int size in new[] { 8, 16 })
        foreach (int m in new[] { 2, 4, 8 })
        foreach (bool conditional in new[] { false, true })
            data.Add(size, m, conditional);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnnxRuntimeMatchesTorchSharp(int size, int m, bool conditional)
    {
        torch.set_num_threads(1);
        int classes = conditional ? 5 : 0;
        var architecture = size == 8 ? OnnxTestModels.Small8(classes) : OnnxTestModels.Small16(classes);
        using var model = OnnxTestModels.Perturbed(architecture, m, seed: 10 * m + size + classes);
        var metadata = ExportAndCompare(model, null, $"{size}x{size}, M = {m}, classes {classes}");
        Assert.Equal(model.FrameTimes, metadata.FrameTimes);
    }

    [Fact]
    public void QueryTimeExportDecodesLikeTheModel()
    {
        torch.set_num_threads(1);
        using var model = OnnxTestModels.Perturbed(OnnxTestModels.Small8(classes: 3), 4, seed: 12);
        // 0.9 lies before the first frame, 0.4 between frames (blended), 0.25 on a frame, 0.1 between frames on a refined grid.
        double[] queries = { 0.9, 0.4, 0.25, 0.1, 0 };
        var metadata = ExportAndCompare(model, queries, "query times (against Decode)");
        Assert.Equal(queries, metadata.FrameTimes);
        Assert.Equal(model.FrameTimes, metadata.TrainedFrameTimes);
    }

    /// <summary>Exports, runs the file in ONNX Runtime on 3 noises, asserts agreement with TorchSharp within 1e-4; returns the metadata.</summary>
    private DsnoOnnxMetadata ExportAndCompare(Dsno.Models.DsnoModel model, double[]? queries, string what)
    {
        using var stream = new MemoryStream();
        model.ExportOnnx(stream, queries);
        using var session = DsnoOnnxSession.Open(stream.ToArray(), what);
        double difference = DsnoOnnxVerifier.MaxAbsDifference(model, session, batch: 3, seed: 5);
        output.WriteLine($"{what}: max |ORT - TorchSharp| = {difference:E2}");
        Assert.InRange(difference, 0, 1e-4);
        return session.Metadata;
    }

    [Fact]
    public void FileHoldsOnlyOpset17DefaultDomainFloat32()
    {
        using var model = OnnxTestModels.Perturbed(OnnxTestModels.Small16(classes: 3), 4, seed: 1);
        var proto = DsnoOnnxExporter.Build(model);

        var opset = Assert.Single(proto.OpsetImport);
        Assert.Equal("", opset.Domain);
        Assert.Equal(17, opset.Version);
        Assert.All(proto.Graph.Node, node =>
        {
            Assert.Equal("", node.Domain);
            Assert.Contains(node.OpType, AllowedOperators);
        });
        Assert.DoesNotContain(proto.Graph.Node, n => n.OpType is "GroupNormalization" or "DFT" or "Einsum");
        int float32 = (int)TensorProto.Types.DataType.Float, int64 = (int)TensorProto.Types.DataType.Int64;
        // Weights are float32; int64 initializers are shapes, axes and indices (a handful of values each).
        Assert.All(proto.Graph.Initializer, t => Assert.True(t.DataType == float32 || (t.DataType == int64 && t.Dims.Aggregate(1L, (a, d) => a * d) <= 8),
            $"initializer {t.Name}: type {t.DataType}, dims [{string.Join(", ", t.Dims)}]"));
        Assert.Equal(new[] { "noise", "labels" }, proto.Graph.Input.Select(i => i.Name));
        Assert.Equal(new[] { "image", "trajectory" }, proto.Graph.Output.Select(o => o.Name));
        Assert.Equal("N", proto.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(int64, proto.Graph.Input[1].Type.TensorType.ElemType);
        Assert.Equal(float32, proto.Graph.Output[1].Type.TensorType.ElemType);
        var metadata = proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("0.5625,0.25,0.0625,0", metadata[DsnoOnnxMetadata.FrameTimesKey]);
        // GroupNorm went through InstanceNormalization, one per GroupNorm module; each temporal layer is one MatMul with a [M*C, M*C] matrix.
        int groupNorms = model.Network.named_modules().Count(mod => mod.module is TorchSharp.Modules.GroupNorm);
        Assert.Equal(groupNorms, proto.Graph.Node.Count(n => n.OpType == "InstanceNormalization"));
        Assert.Equal(model.Network.TemporalLayers.Count, proto.Graph.Initializer.Count(t => t.Name.EndsWith(".time_mixing", StringComparison.Ordinal)));
    }
}
