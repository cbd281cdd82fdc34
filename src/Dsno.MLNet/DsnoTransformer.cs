using Dsno.Runtime;
using Dsno.Data;
using Dsno.Diffusion;
using Dsno.Models;
using TorchSharp;

[assembly: ModelLoader(typeof(Dsno.MLNet.DsnoTransformer), Dsno.MLNet.DsnoTransformer.LoaderSignature)]

namespace Dsno.MLNet;

/// <summary>
/// A trained DSNO operator as an ML.NET transformer. <see cref="NoiseToImageTransformer.Transform"/> reads <c>Noise</c> (and <c>Label</c> for a class-conditional
/// model) and adds <c>Trajectory</c> [M, C, H, W] with its <c>Times</c> and <c>FrameKind</c> annotations and <c>Image</c> [C, H, W] (the last frame), with ONE
/// network forward pass per batch of rows. Lazy: nothing is computed until a cursor asks for an output column.
/// </summary>
public sealed class DsnoTransformer : NoiseToImageTransformer
{
    /// <summary>The loader signature written into ML.NET model files.</summary>
    public const string LoaderSignature = "DsnoOperator";

    internal static readonly ModelKind Kind = new("DSNOOPER", LoaderSignature, version: 1);

    private readonly DsnoSettings _settings;
    private readonly IHostEnvironment? _environment;
    private int _warnedOutsideRange;

    internal DsnoTransformer(DsnoModel model, DsnoSettings settings, IHostEnvironment? environment = null)
    {
        Model = model;
        _settings = settings;
        _environment = environment;
        // Only a w-conditioned model reads a per-row guidance column; any other refuses an input that has one.
        Func<Exception>? refusal = model.IsGuidanceConditioned ? null : () => new ArgumentOutOfRangeException("inputSchema", ClassCount == 0
            ? $"Input column '{settings.GuidanceColumnName}' holds guidance scales, but this DSNO is unconditional and cannot be guided; drop the column."
            : $"Input column '{settings.GuidanceColumnName}' holds per-row guidance scales, but this DSNO was distilled at w = {Model.GuidanceScale ?? 0} only; drop the column, or fit a w-conditioned model.");
        Mapping = new NoiseToImageMapping(model.Architecture, settings, OutputTimes, model.Kind, MapBatch, model.Network, refusal,
            guidance: ClassCount == 0 ? null : model.IsGuidanceConditioned ? settings.Guidance : model.GuidanceScale ?? 0);
    }

    /// <summary>
    /// The classifier-free guidance scale w of this transformer's output: for a model distilled at one w, that w (as its training
    /// trajectories recorded it); for a w-conditioned model, the w chosen with <see cref="WithGuidance"/> (null until chosen; a
    /// <c>Guidance</c> column of the input overrides it per row); null for an unconditional model.
    /// </summary>
    public double? GuidanceScale => Model.IsGuidanceConditioned ? _settings.Guidance : Model.GuidanceScale;

    /// <summary>For a w-conditioned model, the range of w its training trajectories covered; null otherwise.</summary>
    public (double Min, double Max)? GuidanceRange => Model.GuidanceRange;

    /// <summary>Whether the model takes the guidance scale w as an input (trained on trajectories over a range of w).</summary>
    public bool IsGuidanceConditioned => Model.IsGuidanceConditioned;

    /// <summary>
    /// Shares the weights but runs a w-conditioned model at the classifier-free guidance scale <paramref name="w"/> (finite, &gt;= 0).
    /// A w outside the range the model was trained on is extrapolation: a warning goes to the log (<c>MLContext.Log</c>) and the
    /// answer is still given. A model distilled at one w accepts only that w; an unconditional model refuses any.
    /// </summary>
    public DsnoTransformer WithGuidance(double w)
    {
        ClassifierFreeGuidance.Check(w, nameof(w));
        if (ClassCount == 0)
            throw new ArgumentException($"this DSNO is unconditional: it cannot take a guidance scale (w = {w}); classifier-free guidance needs a class-conditional model", nameof(w));
        if (!Model.IsGuidanceConditioned)
        {
            double trained = Model.GuidanceScale ?? 0;
            if (w != trained)
                throw new ArgumentException($"this DSNO was distilled at the guidance scale w = {trained} and does not take w as an input; fit one model per w, " +
                                            "or fit a w-conditioned model on trajectories with a per-row Guidance column", nameof(w));
            return this;
        }
        var settings = _settings.Clone();
        settings.Guidance = w;
        var transformer = new DsnoTransformer(Model, settings, _environment);
        transformer.WarnIfOutsideRange(w);
        return transformer;
    }

    private void WarnIfOutsideRange(double w)
    {
        if (Model.GuidanceRange is not { } range || (w >= range.Min && w <= range.Max)) return;
        if (Interlocked.Exchange(ref _warnedOutsideRange, 1) == 1) return;
        string message = FormattableString.Invariant(
            $"guidance scale w = {w} is outside the range [{range.Min:G4}, {range.Max:G4}] this DSNO was trained on; its images there are extrapolated and may be poor");
        if (_environment is null)
        {
            System.Diagnostics.Trace.TraceWarning(message);
            return;
        }
        using var channel = _environment.Start(nameof(DsnoTransformer));
        channel.Warning(MessageSensitivity.None, message);
    }

    /// <summary>The core operator (network, grid, decoding).</summary>
    public DsnoModel Model { get; }

    /// <summary>The grid the operator was trained on.</summary>
    public TimeGrid Frames => TimeGrid.FromTimes(Model.FrameTimes);

    /// <summary>The times of the output trajectory: the training grid, or the query times of <see cref="WithQueryTimes"/>.</summary>
    public double[] OutputTimes => _settings.QueryTimes ?? Model.FrameTimes;

    /// <summary>Classes of a class-conditional model; 0 when unconditional.</summary>
    public int ClassCount => Model.Architecture.NumClasses;

    /// <summary>Network forward passes made so far by this model (one per batch of rows), through any of its transformers.</summary>
    public int ForwardPasses => (int)Math.Min(int.MaxValue, Model.Evaluations);

    /// <summary>Parameters of the whole network and of its temporal layers (the overhead over the backbone).</summary>
    public (long Total, long Temporal) Parameters => (Model.Network.ParameterCount, Model.Network.TemporalParameterCount);

    /// <summary>
    /// Shares the weights but decodes the trajectory at <paramref name="times"/> in [0, 1], also times never trained on (see
    /// <see cref="ContinuousTimeQuery"/> for how). The <c>Image</c> column is the frame at the last query time.
    /// </summary>
    public DsnoTransformer WithQueryTimes(params float[] times)
    {
        ArgumentNullException.ThrowIfNull(times);
        var settings = _settings.Clone();
        settings.QueryTimes = times.Select(t => (double)t).ToArray();
        settings.Validate(msg => new ArgumentOutOfRangeException(nameof(times), msg));
        ContinuousTimeQuery.Plan(Model.FrameTimes, settings.QueryTimes);
        return new DsnoTransformer(Model, settings, _environment);
    }

    /// <summary>
    /// Generates <paramref name="count"/> images from the noise drawn for rows 0..count-1 of <paramref name="seed"/> (the same noise
    /// <c>ml.Data.GaussianNoise</c> gives), each flat [C*H*W] in [-1, 1] (clamped), one forward pass per batch.
    /// </summary>
    public float[][] Generate(int count, int seed, int? label = null)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "generate at least one image");
        var a = Model.Architecture;
        if (ClassCount > 0 && label is null) throw new ArgumentException($"this model is class-conditional ({ClassCount} classes): give a label");
        if (ClassCount == 0 && label is not null) throw new ArgumentException("this model is unconditional: give no label");
        if (label is { } l && (l < 0 || l >= ClassCount)) throw new ArgumentOutOfRangeException(nameof(label), l, $"label must be in 0..{ClassCount - 1}");
        var result = new List<float[]>(count);
        lock (Model.Network)
        {
            for (int start = 0; start < count; start += _settings.TransformBatchSize)
            {
                int n = Math.Min(_settings.TransformBatchSize, count - start);
                using var scope = torch.NewDisposeScope();
                var noise = GaussianNoise.Sample(start, n, a.Channels, a.Height, a.Width, seed, Model.Device);
                using var labelValue = ((long)(label ?? 0)).ToScalar();
                var labels = label is not null ? torch.full(n, labelValue, dtype: torch.int64, device: Model.Device) : null;
                var images = Predict(noise, labels, BatchGuidance(null, n))[.., ^1].ClampTo(-1, 1).reshape(n, -1).cpu();
                for (int i = 0; i < n; i++) result.Add(images[i].data<float>().ToArray());
            }
        }
        return result.ToArray();
    }

    /// <summary>
    /// Writes the operator as an ONNX model to <paramref name="stream"/> (which stays open): opset 17, standard operators only, float32.
    /// Inputs <c>noise</c> float32 [N, C, H, W] (symbolic N) and, for a class-conditional model, <c>labels</c> int64 [N]; outputs
    /// <c>image</c> [N, C, H, W] and <c>trajectory</c> [N, M, C, H, W] at the trained frame times, which the model's metadata records
    /// (key <c>dsno.frame_times</c>). A transformer made by <see cref="WithQueryTimes"/> exports its query times: the trajectory holds the
    /// frames this transformer's <c>Trajectory</c> column holds. It runs in ONNX Runtime on any platform, in ML.NET's
    /// <c>ApplyOnnxModel</c>, and in a browser.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The transformer's <see cref="Model"/> has been disposed.</exception>
    public void ExportOnnx(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckExportable();
        lock (Model.Network) Model.ExportOnnx(stream, _settings.QueryTimes);
    }

    /// <summary>
    /// Writes the operator as an ONNX model to <paramref name="path"/> (see <see cref="ExportOnnx(Stream)"/>) atomically: a temporary file,
    /// then a rename, so a failed export never leaves a partial file.
    /// </summary>
    public void ExportOnnx(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        CheckExportable();
        lock (Model.Network) Model.ExportOnnx(path, _settings.QueryTimes);
    }

    private void CheckExportable()
    {
        if (Model.IsDisposed)
            throw new ObjectDisposedException(nameof(DsnoTransformer), "this DsnoTransformer's model has been disposed; export it before disposing its Model");
    }

    private torch.Tensor Predict(torch.Tensor noise, torch.Tensor? labels, torch.Tensor? guidance) =>
        _settings.QueryTimes is null ? Model.Generate(noise, labels, guidance) : Model.Decode(noise, labels, guidance, _settings.QueryTimes);

    /// <summary>
    /// The per-row guidance scales of a w-conditioned model: the batch's guidance column when it has one, else <see cref="WithGuidance"/>'s
    /// w; null for any other model.
    /// </summary>
    private torch.Tensor? BatchGuidance(InputBatch? input, int count)
    {
        if (!Model.IsGuidanceConditioned) return null;
        if (input is not null && Mapping.Guidance(input) is { } values)
        {
            foreach (float v in values) WarnIfOutsideRange(v);
            return torch.tensor(values).to(torch.float32, Model.Device, copy: true);
        }
        if (_settings.Guidance is not { } w)
            throw new InvalidOperationException($"this DSNO takes the guidance scale w as an input (trained on w in [{GuidanceRange!.Value.Min}, {GuidanceRange.Value.Max}]): " +
                                                $"choose it with WithGuidance(w), or give the input a '{_settings.GuidanceColumnName}' column");
        WarnIfOutsideRange(w);
        using var scalar = w.ToScalar();
        return torch.full(count, scalar, dtype: torch.float32, device: Model.Device);
    }

    private void MapBatch(InputBatch input, OutputBatch output)
    {
        using var scope = torch.NewDisposeScope();
        var (noise, labels) = Mapping.Inputs(input, Model.Device);
        var frames = Predict(noise, labels, BatchGuidance(input, input.Count));
        output.Write(0, frames);
        output.Write(1, frames[.., ^1]);
    }

    private protected override void SaveModel(ModelSaveContext ctx) => NoiseToImageMapping.Save(ctx, Kind, _settings, Model.Save);

    // Called by ML.NET's component catalog when a model file names this loader; ctx is its internal ModelLoadContext.
    private static DsnoTransformer Create(IHostEnvironment env, object ctx)
    {
        var (settings, model) = NoiseToImageMapping.Load<DsnoSettings, DsnoModel>(ctx, Kind,
            (s, error) => s.Validate(error), (stream, what) => DsnoModel.Load(stream, what: what));
        // Query times can only be checked against the grid the network was trained on.
        if (settings.QueryTimes is not null)
        {
            try { ContinuousTimeQuery.Plan(model.FrameTimes, settings.QueryTimes); }
            catch (ArgumentException e)
            {
                model.Dispose();
                throw ModelPersistence.Corrupt(LoaderSignature, e.Message);
            }
        }
        return new DsnoTransformer(model, settings, env);
    }
}
