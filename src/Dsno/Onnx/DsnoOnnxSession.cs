using Microsoft.ML.OnnxRuntime;

namespace Dsno.Onnx;

/// <summary>
/// Runs an exported DSNO file (<see cref="DsnoOnnxExporter"/>) in ONNX Runtime, with no TorchSharp involved: one call maps a batch of
/// noise to its images and trajectories. Opening checks that the file is a readable ONNX model, that it is a DSNO export, and that its
/// inputs and outputs have the shapes its metadata promises; <see cref="Run"/> checks the noise and labels against them.
/// </summary>
public sealed class DsnoOnnxSession : IDisposable
{
    private readonly InferenceSession session;
    private readonly string what;
    private bool disposed;

    private DsnoOnnxSession(InferenceSession session, DsnoOnnxMetadata metadata, string device, string what)
    {
        this.session = session;
        Metadata = metadata;
        Device = device;
        this.what = what;
    }

    /// <summary>What the file says about itself: frame times, image shape, classes.</summary>
    public DsnoOnnxMetadata Metadata { get; }

    /// <summary>The device the session runs on (<c>cpu</c> or <c>cuda:N</c>).</summary>
    public string Device { get; }

    /// <summary>Values of one image, C * H * W.</summary>
    public int ImageSize => Metadata.Channels * Metadata.Height * Metadata.Width;

    /// <summary>Frames M of the trajectory output.</summary>
    public int FrameCount => Metadata.FrameTimes.Length;

    /// <summary>
    /// Opens the exported file at <paramref name="path"/>. Throws <see cref="FileNotFoundException"/> when it is missing and
    /// <see cref="InvalidDataException"/> naming it when it is not a readable ONNX model (for example truncated) or not a DSNO export.
    /// </summary>
    public static DsnoOnnxSession Open(string path, DsnoOnnxSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path)) throw new FileNotFoundException($"'{path}' is a folder, not an ONNX file", path);
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model '{path}' not found", path);
        return Open(File.ReadAllBytes(path), $"ONNX model '{path}'", options);
    }

    /// <summary>Opens an exported model held in memory; <paramref name="what"/> names it in error messages.</summary>
    public static DsnoOnnxSession Open(byte[] model, string what, DsnoOnnxSessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new DsnoOnnxSessionOptions();
        if (options.IntraOpThreads < 0) throw new ArgumentOutOfRangeException(nameof(options), options.IntraOpThreads, "IntraOpThreads cannot be negative");
        var (device, gpu) = ParseDevice(options.Device);
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = options.IntraOpThreads };
        if (gpu is { } id) AddCuda(sessionOptions, id);

        InferenceSession session;
        try { session = new InferenceSession(model, sessionOptions); }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{what} is not a readable ONNX model ({FirstLine(e.Message)})", e);
        }
        try
        {
            var metadata = DsnoOnnxMetadata.Parse(session.ModelMetadata.CustomMetadataMap, what);
            CheckSignature(session, metadata, what);
            return new DsnoOnnxSession(session, metadata, device, what);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the model on <paramref name="batch"/> noises, <paramref name="noise"/> holding batch * C * H * W values (row-major
    /// [N, C, H, W]), with one label per noise for a class-conditional model and one guidance scale w per noise for a w-conditioned
    /// one (<see cref="DsnoOnnxMetadata.GuidanceRange"/>; a w outside it is extrapolation, answered all the same). Returns the images
    /// [N, C, H, W] and trajectories [N, M, C, H, W], flattened.
    /// </summary>
    public (float[] Images, float[] Trajectories) Run(float[] noise, int batch, long[]? labels = null, float[]? guidance = null)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(noise);
        var md = Metadata;
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "the batch must hold at least one noise");
        if ((long)batch * ImageSize != noise.Length)
            throw new ArgumentException($"noise must hold batch x {md.Channels} x {md.Height} x {md.Width} = {(long)batch * ImageSize} values for this model " +
                                        $"(input '{DsnoOnnxMetadata.NoiseInput}' [N, {md.Channels}, {md.Height}, {md.Width}]), got {noise.Length}", nameof(noise));
        if (md.Classes == 0 && labels is not null) throw new ArgumentException($"{what} is unconditional: pass no labels", nameof(labels));
        if (md.Classes > 0)
        {
            if (labels is null) throw new ArgumentException($"{what} is class-conditional ({md.Classes} classes): input '{DsnoOnnxMetadata.LabelsInput}' needs one label per noise", nameof(labels));
            if (labels.Length != batch) throw new ArgumentException($"labels: {labels.Length} labels for {batch} noises", nameof(labels));
            foreach (long label in labels)
                if (label < 0 || label >= md.Classes) throw new ArgumentOutOfRangeException(nameof(labels), label, $"labels must be in 0..{md.Classes - 1}");
        }
        if (md.GuidanceRange is null && guidance is not null)
            throw new ArgumentException($"{what} does not take the guidance scale as an input" + (md.GuidanceScale is { } fixedW ? $" (it was distilled at w = {fixedW})" : ""), nameof(guidance));
        if (md.GuidanceRange is not null)
        {
            if (guidance is null) throw new ArgumentException($"{what} takes the guidance scale w as an input: input '{DsnoOnnxMetadata.GuidanceInput}' needs one w per noise", nameof(guidance));
            if (guidance.Length != batch) throw new ArgumentException($"guidance: {guidance.Length} scales for {batch} noises", nameof(guidance));
            foreach (float w in guidance)
                if (!float.IsFinite(w) || w < 0) throw new ArgumentOutOfRangeException(nameof(guidance), w, "the guidance scale w must be a finite number >= 0");
        }

        var names = new List<string> { DsnoOnnxMetadata.NoiseInput };
        var values = new List<OrtValue> { OrtValue.CreateTensorValueFromMemory(noise, new long[] { batch, md.Channels, md.Height, md.Width }) };
        try
        {
            if (guidance is not null)
            {
                names.Add(DsnoOnnxMetadata.GuidanceInput);
                values.Add(OrtValue.CreateTensorValueFromMemory(guidance, new long[] { batch }));
            }
            if (labels is not null)
            {
                names.Add(DsnoOnnxMetadata.LabelsInput);
                values.Add(OrtValue.CreateTensorValueFromMemory(labels, new long[] { batch }));
            }
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, names, values, new[] { DsnoOnnxMetadata.ImageOutput, DsnoOnnxMetadata.TrajectoryOutput });
            return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray());
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        session.Dispose();
    }

    private static (string Device, int? Gpu) ParseDevice(string? device)
    {
        string text = (device ?? "cpu").Trim().ToLowerInvariant();
        if (text == "cpu") return ("cpu", null);
        if (text == "cuda") return ("cuda:0", 0);
        if (text.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(text.AsSpan(5), out int id) && id >= 0) return ($"cuda:{id}", id);
        throw new ArgumentException($"device '{device}' is not 'cpu', 'cuda' or 'cuda:N'", nameof(device));
    }

    private static void AddCuda(SessionOptions options, int id)
    {
        const string hint = "build the app with -p:OnnxRuntimeBackend=cuda (ONNX Runtime's CUDA build) and run it where CUDA 12 and cuDNN 9 are installed";
        if (!OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider"))
            throw new InvalidOperationException($"device 'cuda:{id}': this ONNX Runtime has no CUDA provider; {hint}");
        try { options.AppendExecutionProvider_CUDA(id); }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException($"device 'cuda:{id}' could not be started ({FirstLine(e.Message)}); {hint}", e);
        }
    }

    private static void CheckSignature(InferenceSession session, DsnoOnnxMetadata md, string what)
    {
        long[] image = { -1, md.Channels, md.Height, md.Width };
        long[] trajectory = { -1, md.FrameTimes.Length, md.Channels, md.Height, md.Width };
        Check(session.InputMetadata, DsnoOnnxMetadata.NoiseInput, typeof(float), image, "input");
        if (md.Classes > 0) Check(session.InputMetadata, DsnoOnnxMetadata.LabelsInput, typeof(long), new long[] { -1 }, "input");
        if (md.GuidanceRange is not null) Check(session.InputMetadata, DsnoOnnxMetadata.GuidanceInput, typeof(float), new long[] { -1 }, "input");
        var expected = new[] { DsnoOnnxMetadata.NoiseInput }.Concat(md.Classes > 0 ? new[] { DsnoOnnxMetadata.LabelsInput } : Array.Empty<string>())
            .Concat(md.GuidanceRange is not null ? new[] { DsnoOnnxMetadata.GuidanceInput } : Array.Empty<string>()).ToArray();
        if (session.InputMetadata.Count != expected.Length)
            throw new InvalidDataException($"{what}: expected inputs {string.Join(", ", expected.Select(k => $"'{k}'"))}, found {string.Join(", ", session.InputMetadata.Keys.Select(k => $"'{k}'"))}");
        Check(session.OutputMetadata, DsnoOnnxMetadata.ImageOutput, typeof(float), image, "output");
        Check(session.OutputMetadata, DsnoOnnxMetadata.TrajectoryOutput, typeof(float), trajectory, "output");

        void Check(IReadOnlyDictionary<string, NodeMetadata> nodes, string name, Type type, long[] dims, string kind)
        {
            if (!nodes.TryGetValue(name, out var node))
                throw new InvalidDataException($"{what}: no {kind} named '{name}' (found {string.Join(", ", nodes.Keys.Select(k => $"'{k}'"))})");
            var actual = node.Dimensions.Select(d => (long)d).ToArray();
            if (node.ElementType != type || !actual.SequenceEqual(dims))
                throw new InvalidDataException($"{what}: {kind} '{name}' is {node.ElementType.Name} [{string.Join(", ", actual)}] but its metadata promises " +
                                               $"{type.Name} [{string.Join(", ", dims)}] (-1 = batch)");
        }
    }

    private static string FirstLine(string message) => message.Split('\r', '\n')[0];
}
