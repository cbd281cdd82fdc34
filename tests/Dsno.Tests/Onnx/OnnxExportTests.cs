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
        "Gather", "Split", "Unsqueeze", "Expand", "Concat", "Resize", "LeakyRelu", "Identity", "Cos", "Sin",
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

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    public void WConditionedExportTakesGuidanceAndMatchesTorchSharp(int size)
    {
        torch.set_num_threads(1);
        var architecture = size == 8 ? OnnxTestModels.Small8(classes: 3) : OnnxTestModels.Small16(classes: 3);
        using var model = OnnxTestModels.PerturbedGuided(architecture, 4, seed: 21 + size);
        // The verifier gives each row another w across [0, 4].
        var metadata = ExportAndCompare(model, null, $"w-conditioned {size}x{size}");
        Assert.Equal(new[] { 0.0, 4.0 }, metadata.GuidanceRange);

        // The guidance input matters: the same noise and label at w = 0 and w = 4 give different images in ONNX Runtime, as in TorchSharp.
        using var stream = new MemoryStream();
        model.ExportOnnx(stream);
        using var session = DsnoOnnxSession.Open(stream.ToArray(), "w-conditioned");
        var noise = Enumerable.Range(0, 2 * session.ImageSize).Select(i => (float)Math.Sin(i)).ToArray();
        noise.AsSpan(session.ImageSize).Clear();
        noise.AsSpan(0, session.ImageSize).CopyTo(noise.AsSpan(session.ImageSize));
        var (images, _) = session.Run(noise, 2, new long[] { 1, 1 }, new float[] { 0, 4 });
        double change = images.Take(session.ImageSize).Zip(images.Skip(session.ImageSize)).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(change > 1e-3, $"w = 0 and w = 4 gave the same image (max change {change})");

        // Missing or extra guidance is refused naming the input.
        var missing = Assert.Throws<ArgumentException>(() => session.Run(noise, 2, new long[] { 1, 1 }));
        Assert.Contains("guidance", missing.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Run(noise, 2, new long[] { 1, 1 }, new float[] { 0, -1 }));
    }

    [Fact]
    public void ModelDistilledAtOneScaleRecordsItAndRefusesAGuidanceInput()
    {
        torch.set_num_threads(1);
        var plain = OnnxTestModels.Perturbed(OnnxTestModels.Small8(classes: 3) with { NullClass = true }, 4, seed: 3);
        using var model = new Dsno.Models.DsnoModel(plain.Network, plain.Schedule) { GuidanceScale = 2 };
        using var stream = new MemoryStream();
        model.ExportOnnx(stream);
        using var session = DsnoOnnxSession.Open(stream.ToArray(), "w = 2");
        Assert.Equal(2.0, session.Metadata.GuidanceScale);
        Assert.Null(session.Metadata.GuidanceRange);
        var noise = new float[session.ImageSize];
        var error = Assert.Throws<ArgumentException>(() => session.Run(noise, 1, new long[] { 0 }, new float[] { 2 }));
        Assert.Contains("w = 2", error.Message);
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
