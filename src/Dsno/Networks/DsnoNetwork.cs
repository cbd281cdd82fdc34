using TorchSharp.Modules;

namespace Dsno.Networks;

/// <summary>
/// The DSNO operator (paper section 4): a U-Net backbone whose stem output is repeated over M time slices, each slice conditioned on
/// its own frame time, with one <see cref="TemporalConvolution"/> at every temporal insertion point of the backbone. One forward
/// pass maps the noise x_T [B, C, H, W] to all M predicted frames [B, M, C, H, W]; the backbone's raw output of slice m is frame m.
/// </summary>
public sealed partial class DsnoNetwork : nn.Module<Tensor, Tensor?, Tensor>, IGradientCheckable
{
    private readonly UNet backbone;
    private readonly ModuleList<TemporalConvolution> temporal;
    private readonly TemporalConvolution[] temporalLayers;
    private readonly double[] frameTimes;
    private long evaluations;

    /// <summary>Creates a randomly initialised network.</summary>
    /// <param name="options">Backbone architecture.</param>
    /// <param name="frameTimes">Times of the M predicted frames (see <see cref="Dsno.Diffusion.FrameTimes.Validate"/>).</param>
    /// <param name="modes">Temporal Fourier modes J; null = <see cref="TemporalConvolution.DefaultModes"/>(M).</param>
    /// <param name="name">Module name.</param>
    /// <param name="device">Device for the parameters; null = CPU.</param>
    public DsnoNetwork(UNetOptions options, IReadOnlyList<double> frameTimes, int? modes = null, string name = "dsno", Device? device = null)
        : base(name)
    {
        this.frameTimes = Diffusion.FrameTimes.Validate(frameTimes);
        int m = this.frameTimes.Length;
        int j = modes ?? TemporalConvolution.DefaultModes(m);
        if (j < 1 || j > TemporalConvolution.MaxModes(m))
            throw new ArgumentOutOfRangeException(nameof(modes), j,
                $"J = {j} Fourier modes must be in [1, M/2 + 1] = [1, {TemporalConvolution.MaxModes(m)}] for M = {m} frames");
        Modes = j;
        backbone = new UNet(options);
        temporalLayers = backbone.HookChannels.Select((c, k) => new TemporalConvolution(c, j, $"temporal{k}")).ToArray();
        temporal = nn.ModuleList(temporalLayers);
        RegisterComponents();
        if (device is not null) this.to(device);
    }

    /// <summary>
    /// Builds DSNO from a trained teacher: every backbone weight and buffer is copied from <paramref name="teacher"/>, the temporal
    /// layers get the near-identity initialisation, and the network lives on the teacher's device. With zero temporal weights the
    /// result reproduces the teacher at every frame time. With <paramref name="guidanceEmbedding"/> the network also takes the
    /// guidance scale w as an input (<see cref="UNetOptions.GuidanceEmbedding"/>), its new embedding adding zero at first.
    /// </summary>
    public static DsnoNetwork FromTeacher(UNet teacher, IReadOnlyList<double> frameTimes, int? modes = null, bool guidanceEmbedding = false)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        var device = teacher.parameters().First().device;
        var options = guidanceEmbedding ? teacher.Options with { GuidanceEmbedding = true } : teacher.Options;
        var network = new DsnoNetwork(options, frameTimes, modes, device: device);
        network.backbone.CopyStateFrom(teacher);
        return network;
    }

    /// <inheritdoc/>
    public nn.Module NewUntrainedCopy() => new DsnoNetwork(backbone.Options, frameTimes, Modes) { TemporalPath = TemporalPath };

    /// <inheritdoc/>
    public Tensor CheckObjective(Generator generator)
    {
        var type = GradientCheckInputs.TypeOf(this);
        var o = backbone.Options;
        var noise = GradientCheckInputs.Normal(new long[] { GradientCheckInputs.Samples, o.Channels, o.Height, o.Width }, type, generator);
        var labels = GradientCheckInputs.Labels(o.NumClasses, generator);
        var guidance = o.GuidanceEmbedding ? torch.rand(new long[] { GradientCheckInputs.Samples }, ScalarType.Float64, generator: generator).Times(4.0).to(type) : null;
        return GradientCheckInputs.Mixed(Evaluate(noise, labels, guidance, frameTimes), generator);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The temporal layers' weights: each layer adds LeakyReLU(y) where y starts almost zero (near-identity initialisation), so a
    /// handful of the elements of y fall within rounding of the kink. Measured: float32 against float64 weight gradients of the
    /// M = 8 Fashion-MNIST-16 network 5e-6 for some weight draws and up to 4% (norm 1.3%) for others, on every convolution route.
    /// </remarks>
    public bool IsKinkSensitive(string parameter) => parameter.StartsWith("temporal.", StringComparison.Ordinal);

    /// <summary>The U-Net backbone (shared spatial layers).</summary>
    public UNet Backbone => backbone;

    /// <summary>One temporal convolution per insertion point of the backbone, in call order.</summary>
    public IReadOnlyList<TemporalConvolution> TemporalLayers => temporalLayers;

    /// <summary>Times of the M frames the network predicts (a copy).</summary>
    public double[] FrameTimes => (double[])frameTimes.Clone();

    /// <summary>Temporal Fourier modes J of every temporal layer.</summary>
    public int Modes { get; }

    /// <summary>
    /// How every temporal layer computes its spectral branch (<see cref="TemporalConvolution.Path"/>): reading gives the first
    /// layer's setting, setting applies to all. The default, <see cref="TemporalMixingPath.Auto"/>, picks the cheaper path per M.
    /// </summary>
    public TemporalMixingPath TemporalPath
    {
        get => temporalLayers[0].Path;
        set
        {
            foreach (var layer in temporalLayers) layer.Path = value;
        }
    }

    /// <summary>Scalar parameters of the whole network.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Scalar parameters of the temporal layers alone (DSNO's overhead over the backbone).</summary>
    public long TemporalParameterCount => temporalLayers.Sum(layer => layer.ParameterCount);

    /// <summary>Calls of <see cref="forward(Tensor, Tensor?)"/> and <c>Evaluate</c> so far (each is one network evaluation).</summary>
    public long Evaluations => Interlocked.Read(ref evaluations);

    /// <summary>
    /// Predicts all frames in one pass: <paramref name="noise"/> [B, C, H, W] and <paramref name="labels"/> [B] (int64) or null
    /// give [B, M, C, H, W], frame m at time <see cref="FrameTimes"/>[m].
    /// </summary>
    public override Tensor forward(Tensor noise, Tensor? labels) => Evaluate(noise, labels, null, frameTimes);

    /// <summary>
    /// <see cref="forward(Tensor, Tensor?)"/> for a network that takes the guidance scale as an input (<see cref="UNetOptions.GuidanceEmbedding"/>):
    /// <paramref name="guidance"/> [B] holds each sample's w (null for any other network).
    /// </summary>
    public Tensor forward(Tensor noise, Tensor? labels, Tensor? guidance) => Evaluate(noise, labels, guidance, frameTimes);

    /// <summary>
    /// Predicts frames at arbitrary times (continuous-time decoding): M' = <paramref name="sliceTimes"/>.Count slices, each
    /// conditioned on its time, the temporal layers running with n = M' (J &lt;= M'/2 + 1 must hold). Returns [B, M', C, H, W].
    /// </summary>
    public Tensor Evaluate(Tensor noise, Tensor? labels, IReadOnlyList<double> sliceTimes) => Evaluate(noise, labels, null, sliceTimes);

    /// <summary>
    /// <see cref="Evaluate(Tensor, Tensor?, IReadOnlyList{double})"/> with each sample's guidance scale <paramref name="guidance"/> [B]
    /// for a network that takes it as an input (null for any other network).
    /// </summary>
    public Tensor Evaluate(Tensor noise, Tensor? labels, Tensor? guidance, IReadOnlyList<double> sliceTimes)
    {
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(sliceTimes);
        int m = sliceTimes.Count;
        if (m < 2) throw new ArgumentOutOfRangeException(nameof(sliceTimes), m, "DSNO needs at least 2 slice times");
        if (Modes > TemporalConvolution.MaxModes(m))
            throw new ArgumentOutOfRangeException(nameof(sliceTimes), m,
                $"the temporal layers keep J = {Modes} modes, which needs M' >= {2 * (Modes - 1)} slice times, got M' = {m}");
        for (int i = 0; i < m; i++)
            if (!(sliceTimes[i] >= 0 && sliceTimes[i] <= 1))
                throw new ArgumentOutOfRangeException(nameof(sliceTimes), sliceTimes[i], $"slice time {i} must be in [0, 1]");
        if (noise.ndim != 4)
            throw new ArgumentException($"noise must have shape [B, C, H, W], got [{string.Join(", ", noise.shape)}]", nameof(noise));
        long batch = noise.shape[0];
        if (labels is not null && (labels.ndim != 1 || labels.shape[0] != batch))
            throw new ArgumentException($"labels must have shape [{batch}], got [{string.Join(", ", labels.shape)}]", nameof(labels));
        if (guidance is not null && (guidance.ndim != 1 || guidance.shape[0] != batch))
            throw new ArgumentException($"guidance must have shape [{batch}], got [{string.Join(", ", guidance.shape)}]", nameof(guidance));

        Interlocked.Increment(ref evaluations);
        using var scope = torch.NewDisposeScope();
        // Row b * M + m is slice m of sample b: times tile over the batch, labels repeat per slice.
        var times = torch.tensor(sliceTimes.ToArray(), device: noise.device).to(noise.dtype).repeat(batch);
        var sliceLabels = labels?.to(ScalarType.Int64).repeat_interleave(m, dim: 0);
        var sliceGuidance = guidance?.to(noise.dtype).repeat_interleave(m, dim: 0);
        var output = backbone.forward(noise, times, sliceLabels, sliceGuidance, m, (k, h) => temporalLayers[k].forward(h, m));
        return output.reshape(batch, m, noise.shape[1], noise.shape[2], noise.shape[3]).MoveToOuterDisposeScope();
    }
}
