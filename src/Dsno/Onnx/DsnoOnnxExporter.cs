using System.Reflection;
using Google.Protobuf;
using Onnx;

namespace Dsno.Onnx;

/// <summary>
/// Writes a DSNO operator as an ONNX model (opset 17, default-domain operators only, float32): inputs <c>noise</c> [N, C, H, W] with a
/// symbolic batch N (and <c>labels</c> int64 [N] for a class-conditional model, <c>guidance</c> float32 [N] for a w-conditioned one), outputs <c>image</c> [N, C, H, W] and
/// <c>trajectory</c> [N, M, C, H, W] at the trained frame times, which the metadata records (<see cref="DsnoOnnxMetadata"/>).
/// The graph is written by the network modules themselves (their <c>ExportOnnx</c> methods beside each module), so it computes what
/// <see cref="Networks.DsnoNetwork.forward(TorchSharp.torch.Tensor, TorchSharp.torch.Tensor?, TorchSharp.torch.Tensor?)"/> computes: GroupNorm as Reshape, InstanceNormalization, Reshape, Mul and Add; every temporal
/// layer as one MatMul with its precomputed real time-mixing matrix; nearest upsampling as Resize.
/// </summary>
public static class DsnoOnnxExporter
{
    /// <summary>
    /// Builds the ONNX model of <paramref name="model"/>. With <paramref name="queryTimes"/> the <c>trajectory</c> output holds the frames at
    /// those times, decoded as <c>DsnoModel.Decode</c> does (slices on a refined grid, blended), and the metadata records them.
    /// </summary>
    public static ModelProto Build(DsnoModel model, IReadOnlyList<double>? queryTimes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ObjectDisposedException.ThrowIf(model.IsDisposed, model);
        var a = model.Architecture;
        var query = queryTimes is null ? null : ContinuousTimeQuery.Plan(model.FrameTimes, queryTimes);
        var outputTimes = queryTimes?.ToArray() ?? model.FrameTimes;
        var metadata = new DsnoOnnxMetadata(outputTimes, a.Channels, a.Height, a.Width, a.NumClasses, model.Network.Modes,
            model.Schedule.Name, model.Kind.ToString())
        {
            TrainedFrameTimes = model.FrameTimes, GuidanceScale = model.GuidanceScale,
            GuidanceRange = model.GuidanceRange is { } r ? new[] { r.Min, r.Max } : null,
        };
        int m = outputTimes.Length;
        var g = new OnnxGraphBuilder();
        var noise = g.Input(DsnoOnnxMetadata.NoiseInput, OnnxGraphBuilder.Float32, new long?[] { null, a.Channels, a.Height, a.Width });
        var labels = a.NumClasses > 0 ? g.Input(DsnoOnnxMetadata.LabelsInput, OnnxGraphBuilder.Int64, new long?[] { null }) : null;
        var guidance = a.GuidanceEmbedding ? g.Input(DsnoOnnxMetadata.GuidanceInput, OnnxGraphBuilder.Float32, new long?[] { null }) : null;
        var (trajectory, image) = model.Network.ExportOnnx(g, noise, labels, guidance, query);
        g.Output(image, DsnoOnnxMetadata.ImageOutput, OnnxGraphBuilder.Float32, new long?[] { null, a.Channels, a.Height, a.Width });
        g.Output(trajectory, DsnoOnnxMetadata.TrajectoryOutput, OnnxGraphBuilder.Float32, new long?[] { null, m, a.Channels, a.Height, a.Width });
        var version = typeof(DsnoOnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        int plus = version.IndexOf('+');
        return g.Build(plus > 0 ? version[..plus] : version, metadata.ToProperties());
    }

    /// <summary>Writes the ONNX model of <paramref name="model"/> (see <see cref="Build"/>) to <paramref name="stream"/>, which stays open.</summary>
    public static void Export(DsnoModel model, Stream stream, IReadOnlyList<double>? queryTimes = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite) throw new ArgumentException("the stream is not writable", nameof(stream));
        var proto = Build(model, queryTimes);
        using var output = new CodedOutputStream(stream, leaveOpen: true);
        proto.WriteTo(output);
        output.Flush();
    }

    /// <summary>
    /// Writes the ONNX model of <paramref name="model"/> to <paramref name="path"/> atomically: a temporary file beside it, then a rename,
    /// so that a failure leaves any earlier file at <paramref name="path"/> as it was.
    /// </summary>
    public static void Export(DsnoModel model, string path, IReadOnlyList<double>? queryTimes = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(Path.GetFullPath(path))) throw new IOException($"'{path}' is a folder; give an .onnx file path");
        var proto = Build(model, queryTimes);
        AtomicFile.Write(path, proto.WriteTo);
    }
}
