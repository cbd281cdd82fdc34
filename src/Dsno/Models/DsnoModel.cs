namespace Dsno.Models;

/// <summary>
/// The trained DSNO operator: maps noise x_T to the teacher's whole trajectory (M frames) in one forward pass, and decodes at any
/// other times through <see cref="ContinuousTimeQuery"/>. Wraps a <see cref="DsnoNetwork"/> with its schedule and frame kind.
/// </summary>
public sealed class DsnoModel : IImageGenerator, IDisposable
{
    private const string Magic = "DSNOOPR1";

    /// <summary>Wraps a network.</summary>
    public DsnoModel(DsnoNetwork network, NoiseSchedule schedule, FrameKind kind = FrameKind.Denoised, string device = "cpu")
    {
        Network = network;
        Schedule = schedule;
        Kind = kind;
        Device = torch.device(device);
        Network.to(Device);
        Network.eval();
    }

    /// <summary>
    /// A DSNO initialised from a trained teacher: every backbone weight copied, temporal layers near the identity (drawn from
    /// <paramref name="seed"/> when given).
    /// </summary>
    public static DsnoModel FromTeacher(DiffusionTeacher teacher, IReadOnlyList<double> frameTimes, int? modes = null, FrameKind kind = FrameKind.Denoised,
        int? seed = null) =>
        new(SeededConstruction.Build(seed, () => DsnoNetwork.FromTeacher(teacher.Network, frameTimes, modes)), teacher.Schedule, kind, teacher.Device.ToString());

    /// <summary>
    /// A w-conditioned DSNO initialised from a class-conditional teacher: as <see cref="FromTeacher(DiffusionTeacher, IReadOnlyList{double}, int?, FrameKind, int?)"/>
    /// plus a guidance-scale embedding (<see cref="UNetOptions.GuidanceEmbedding"/>) that starts at zero, to be trained on trajectories
    /// solved over the range of w [<paramref name="minGuidance"/>, <paramref name="maxGuidance"/>].
    /// </summary>
    public static DsnoModel FromTeacherWithGuidance(DiffusionTeacher teacher, IReadOnlyList<double> frameTimes, double minGuidance, double maxGuidance,
        int? modes = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        if (teacher.Architecture.NumClasses == 0)
            throw new ArgumentException("a w-conditioned DSNO needs a class-conditional teacher: an unconditional model cannot be guided", nameof(teacher));
        var range = CheckRange(minGuidance, maxGuidance);
        return new(SeededConstruction.Build(seed, () => DsnoNetwork.FromTeacher(teacher.Network, frameTimes, modes, guidanceEmbedding: true)),
            teacher.Schedule, FrameKind.Denoised, teacher.Device.ToString()) { GuidanceRange = range };
    }

    /// <summary>
    /// The classifier-free guidance scale w of the trajectories a model distilled at one w was trained on (null: not guided, or not
    /// recorded). Saved with the model.
    /// </summary>
    public double? GuidanceScale
    {
        get => _guidanceScale;
        init
        {
            if (value is { } w) Diffusion.ClassifierFreeGuidance.Check(w, nameof(GuidanceScale));
            _guidanceScale = value;
        }
    }

    /// <summary>
    /// For a w-conditioned model (<see cref="UNetOptions.GuidanceEmbedding"/>): the range of w its training trajectories covered; w
    /// outside it is extrapolation. Saved with the model.
    /// </summary>
    public (double Min, double Max)? GuidanceRange
    {
        get => _guidanceRange;
        init => _guidanceRange = value is { } r ? CheckRange(r.Min, r.Max) : null;
    }

    /// <summary>Whether the model takes the guidance scale w as an input (a w-conditioned DSNO).</summary>
    public bool IsGuidanceConditioned => Architecture.GuidanceEmbedding;

    private readonly double? _guidanceScale;
    private readonly (double Min, double Max)? _guidanceRange;

    private static (double, double) CheckRange(double min, double max)
    {
        Diffusion.ClassifierFreeGuidance.Check(min, "minGuidance");
        Diffusion.ClassifierFreeGuidance.Check(max, "maxGuidance");
        if (max < min) throw new ArgumentOutOfRangeException(nameof(max), max, $"the guidance range [{min}, {max}] is reversed");
        return (min, max);
    }

    /// <summary>A randomly initialised DSNO with the given architecture (its weights drawn from <paramref name="seed"/> when given).</summary>
    public static DsnoModel Create(UNetOptions architecture, IReadOnlyList<double> frameTimes, int? modes = null, NoiseSchedule? schedule = null,
        FrameKind kind = FrameKind.Denoised, string device = "cpu", int? seed = null) =>
        new(SeededConstruction.Build(seed, () => new DsnoNetwork(architecture, frameTimes, modes)), schedule ?? new CosineSchedule(), kind, device);

    /// <summary>The network.</summary>
    public DsnoNetwork Network { get; }
    /// <summary>The schedule of the teacher whose trajectories it learns (used for loss weights).</summary>
    public NoiseSchedule Schedule { get; }
    /// <summary>What its frames hold.</summary>
    public FrameKind Kind { get; }
    /// <summary>Where it runs.</summary>
    public Device Device { get; }
    /// <summary>The training time grid.</summary>
    public double[] FrameTimes => Network.FrameTimes;
    /// <summary>Network evaluations so far (one forward pass per <c>Generate</c> or <c>Decode</c> call).</summary>
    public long Evaluations => Network.Evaluations;
    /// <summary>Architecture of the backbone.</summary>
    public UNetOptions Architecture => Network.Backbone.Options;
    /// <inheritdoc/>
    public long ParameterCount => Network.ParameterCount;

    /// <summary>Trains on trajectory records; the layout must match the model's grid, image size and classes.</summary>
    public TrainingResult Train(ITrajectorySource source, TrainingOptions options, FrameWeighting weighting = FrameWeighting.SqrtSnr,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Train(source, options, weighting, TrajectoryDistance.L1, progress, cancellationToken);

    /// <summary>Trains on trajectory records with the frame distance <paramref name="distance"/> (<see cref="TrajectoryLoss"/>).</summary>
    public TrainingResult Train(ITrajectorySource source, TrainingOptions options, FrameWeighting weighting, TrajectoryDistance distance,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        CheckLayout(source.Layout);
        var weights = TrajectoryLoss.Weights(Schedule, FrameTimes, weighting);
        return TrainingLoop.Run("dsno", Network, options, (step, _) =>
        {
            using var batch = source.ReadBatch(step, options.BatchSize, options.Seed);
            if (IsGuidanceConditioned && batch.Guidance is null)
                throw new InvalidDataException("a w-conditioned DSNO trains on trajectories with a per-record guidance scale, but the batch has none");
            var guidance = IsGuidanceConditioned ? batch.Guidance!.to(ScalarType.Float32, Device) : null;
            var predicted = Network.forward(batch.Noise.to(Device), batch.Labels?.to(Device), guidance);
            return TrajectoryLoss.Compute(predicted, batch.Frames.to(Device), weights, distance);
        }, progress, cancellationToken);
    }

    /// <summary>
    /// All M frames for a batch of noise [B, C, H, W] in ONE forward pass: [B, M, C, H, W]; the last frame is the sample. For a
    /// w-conditioned model <paramref name="guidance"/> [B] holds each sample's guidance scale w (finite, &gt;= 0); null for any other model.
    /// </summary>
    public Tensor Generate(Tensor noise, Tensor? labels = null, Tensor? guidance = null)
    {
        CheckInputs(noise, labels, guidance);
        using var noGrad = torch.no_grad();
        Network.eval();
        using var scope = torch.NewDisposeScope();
        return Network.forward(noise.to(ScalarType.Float32, Device), labels?.to(Device), guidance?.to(ScalarType.Float32, Device)).MoveToOuterDisposeScope();
    }

    /// <summary>The last frame of <see cref="Generate"/>: the samples [B, C, H, W].</summary>
    public Tensor GenerateImages(Tensor noise, Tensor? labels = null)
    {
        using var frames = Generate(noise, labels);
        return frames[.., ^1];
    }

    /// <summary>
    /// Frames at arbitrary times in [0, 1] (also times never trained on), [B, T, C, H, W], in one forward pass over the planned slices.
    /// Querying exactly <see cref="FrameTimes"/> returns what <c>Generate</c> returns.
    /// </summary>
    public Tensor Decode(Tensor noise, Tensor? labels, IReadOnlyList<double> times) => Decode(noise, labels, null, times);

    /// <summary><see cref="Decode(Tensor, Tensor?, IReadOnlyList{double})"/> with each sample's guidance scale for a w-conditioned model.</summary>
    public Tensor Decode(Tensor noise, Tensor? labels, Tensor? guidance, IReadOnlyList<double> times)
    {
        CheckInputs(noise, labels, guidance);
        var plan = ContinuousTimeQuery.Plan(FrameTimes, times);
        using var noGrad = torch.no_grad();
        Network.eval();
        using var scope = torch.NewDisposeScope();
        var slices = Network.Evaluate(noise.to(ScalarType.Float32, Device), labels?.to(Device), guidance?.to(ScalarType.Float32, Device), plan.SliceTimes);
        var frames = plan.Reads.Select(read => read.Weight == 0
            ? slices[.., read.Lower]
            : slices[.., read.Lower].Times(1 - read.Weight).Plus(slices[.., read.Upper].Times(read.Weight))).ToList();
        return torch.stack(frames, 1).MoveToOuterDisposeScope();
    }

    /// <summary>Writes the model (architecture, grid, modes, schedule, frame kind, weights) to a stream, which stays open.</summary>
    public void Save(Stream stream) =>
        ModelFileHeader.Save(stream, Magic, new OperatorHeader(Architecture, FrameTimes, Network.Modes, Schedule.Name, Kind,
            GuidanceScale, GuidanceRange is { } r ? new[] { r.Min, r.Max } : null), Network);

    /// <summary>Reads a model written by <see cref="Save"/>. Throws <see cref="InvalidDataException"/> on anything malformed.</summary>
    public static DsnoModel Load(Stream stream, string device = "cpu", string what = "DSNO model") =>
        ModelFileHeader.Load<OperatorHeader, DsnoModel>(stream, Magic, what, header =>
        {
            ArchitectureLimits.Check(header.Architecture, what);
            if (header.FrameTimes is null || header.FrameTimes.Length > 1024) throw new ArgumentOutOfRangeException(nameof(header), "bad frame time count");
            if (!Enum.IsDefined(header.Kind)) throw new ArgumentOutOfRangeException(nameof(header), (int)header.Kind, "unknown frame kind");
            if (header.GuidanceRange is not null && (header.GuidanceRange.Length != 2 || !header.Architecture.GuidanceEmbedding))
                throw new ArgumentOutOfRangeException(nameof(header), "a guidance range needs two values and a w-conditioned network");
            if (header.Architecture.GuidanceEmbedding && header.GuidanceRange is null)
                throw new ArgumentOutOfRangeException(nameof(header), "a w-conditioned network needs its guidance range");
            return new DsnoModel(new DsnoNetwork(header.Architecture, header.FrameTimes, header.Modes), NoiseSchedule.FromName(header.Schedule), header.Kind, device)
            {
                GuidanceScale = header.GuidanceScale,
                GuidanceRange = header.GuidanceRange is { } r ? (r[0], r[1]) : null,
            };
        }, model => model.Network);

    private void CheckLayout(TrajectoryLayout layout)
    {
        var a = Architecture;
        if (layout.Channels != a.Channels || layout.Height != a.Height || layout.Width != a.Width)
            throw new InvalidDataException($"trajectories are {layout.Channels}x{layout.Height}x{layout.Width} but the network expects {a.Channels}x{a.Height}x{a.Width}");
        if (!layout.FrameTimes.SequenceEqual(FrameTimes))
            throw new InvalidDataException($"trajectory frame times [{string.Join(", ", layout.FrameTimes)}] differ from the model's grid [{string.Join(", ", FrameTimes)}]");
        if (layout.Kind != Kind) throw new InvalidDataException($"trajectory frames hold {layout.Kind} but the model predicts {Kind}");
        if ((layout.ClassCount > 0) != (a.NumClasses > 0) || layout.ClassCount > a.NumClasses)
            throw new InvalidDataException($"trajectories have {layout.ClassCount} classes but the network {a.NumClasses}");
    }

    private void CheckInputs(Tensor noise, Tensor? labels, Tensor? guidance)
    {
        if (IsGuidanceConditioned)
        {
            if (guidance is null)
                throw new ArgumentException($"this DSNO takes the guidance scale w as an input (trained on w in [{GuidanceRange!.Value.Min}, {GuidanceRange.Value.Max}]): give one per sample");
            Diffusion.ClassifierFreeGuidance.CheckScales(guidance, noise.shape[0]);
        }
        else if (guidance is not null)
        {
            throw new ArgumentException(Architecture.NumClasses == 0
                ? "this DSNO is unconditional: it cannot take a guidance scale"
                : "this DSNO was distilled at one guidance scale" + (GuidanceScale is { } w ? $" (w = {w})" : "") + " and does not take w as an input");
        }
        var a = Architecture;
        if (noise.dim() != 4 || noise.shape[1] != a.Channels || noise.shape[2] != a.Height || noise.shape[3] != a.Width)
            throw new ArgumentException($"noise must be [B, {a.Channels}, {a.Height}, {a.Width}], got [{string.Join(", ", noise.shape)}]");
        a.CheckLabels(labels, null, "model");
    }

    /// <summary>
    /// Writes the operator as an ONNX model (opset 17, float32; see <see cref="Onnx.DsnoOnnxExporter"/>) to <paramref name="stream"/>,
    /// which stays open. With <paramref name="queryTimes"/> the file's trajectory holds the frames at those times, as <c>Decode</c> gives them.
    /// </summary>
    public void ExportOnnx(Stream stream, IReadOnlyList<double>? queryTimes = null) => Onnx.DsnoOnnxExporter.Export(this, stream, queryTimes);

    /// <summary>Writes the operator as an ONNX model to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public void ExportOnnx(string path, IReadOnlyList<double>? queryTimes = null) => Onnx.DsnoOnnxExporter.Export(this, path, queryTimes);

    /// <summary>Whether <see cref="Dispose"/> has released the network's tensors.</summary>
    public bool IsDisposed { get; private set; }

    /// <inheritdoc/>
    public void Dispose()
    {
        IsDisposed = true;
        Network.Dispose();
    }

    private sealed record OperatorHeader(UNetOptions Architecture, double[] FrameTimes, int Modes, string Schedule, FrameKind Kind,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] double? GuidanceScale = null,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] double[]? GuidanceRange = null);
}
