using TorchSharp.Modules;

namespace Dsno.Networks;

/// <summary>
/// Epsilon-prediction U-Net in the DDPM/ADM layout: stem conv, per level residual blocks (plus self-attention at the chosen
/// resolutions) with stride-2 downsampling between levels, a ResBlock-Attention-ResBlock middle, an up path with skip
/// concatenation and one more block per level, and a GroupNorm-SiLU-Conv output head.
/// <para>
/// <c>forward</c> also serves as the DSNO backbone: the stem output is repeated along a time axis folded into the batch,
/// and a hook may replace the activation at each temporal insertion point (after every residual block, after the middle
/// attention), which is where DSNO puts its temporal convolutions.
/// </para>
/// </summary>
public sealed partial class UNet : nn.Module<Tensor, Tensor, Tensor?, Tensor>, IGradientCheckable
{
    private readonly TimestepEmbedding timeEmbedding;
    private readonly Conv2d stem;
    private readonly ModuleList<UNetStage> downStages;
    private readonly ModuleList<Downsample> downsamplers;
    private readonly ResBlock midRes1;
    private readonly AttentionBlock midAttn;
    private readonly ResBlock midRes2;
    private readonly ModuleList<UNetStage> upStages;
    private readonly ModuleList<Upsample> upsamplers;
    private readonly GroupNorm outNorm;
    private readonly Conv2d outConv;
    private readonly IReadOnlyList<UNetBlock> blocks;
    private readonly int[] hookChannels;

    /// <summary>Builds the network from <paramref name="options"/> (validated first) on the CPU, or on <paramref name="device"/>.</summary>
    /// <param name="options">Architecture.</param>
    /// <param name="name">Module name.</param>
    /// <param name="device">Device for the parameters; null = CPU.</param>
    public UNet(UNetOptions options, string name = "unet", Device? device = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        blocks = UNetBlock.Describe(options);
        int groups = options.GroupNormGroups;

        timeEmbedding = new TimestepEmbedding(options.BaseChannels, options.NumClasses, options.NullClass, options.GuidanceEmbedding);
        int embeddingDims = timeEmbedding.OutputDims;
        stem = nn.Conv2d(options.Channels, options.BaseChannels, 3, padding: 1);

        // Modules are made in call order (their initial weights are drawn in that order) and kept per kind (their parameter names).
        var down = new List<UNetStage>();
        var downs = new List<Downsample>();
        var up = new List<UNetStage>();
        var ups = new List<Upsample>();
        ResBlock? middle1 = null, middle2 = null;
        AttentionBlock? middleAttention = null;
        foreach (var block in blocks)
        {
            switch (block.Kind)
            {
                case UNetBlockKind.Down: down.Add(NewStage(block)); break;
                case UNetBlockKind.Downsample: downs.Add(new Downsample(block.OutChannels)); break;
                case UNetBlockKind.Middle:
                    middle1 = new ResBlock(block.InChannels, block.OutChannels, embeddingDims, options.Dropout, groups);
                    middleAttention = new AttentionBlock(block.OutChannels, groups, options.AttentionHeads);
                    middle2 = new ResBlock(block.OutChannels, block.OutChannels, embeddingDims, options.Dropout, groups);
                    break;
                case UNetBlockKind.Up: up.Add(NewStage(block)); break;
                case UNetBlockKind.Upsample: ups.Add(new Upsample(block.OutChannels)); break;
            }
        }
        midRes1 = middle1!;
        midAttn = middleAttention!;
        midRes2 = middle2!;

        int channels = blocks[^1].OutChannels;
        downStages = nn.ModuleList(down.ToArray());
        downsamplers = nn.ModuleList(downs.ToArray());
        upStages = nn.ModuleList(up.ToArray());
        upsamplers = nn.ModuleList(ups.ToArray());
        outNorm = ResBlock.NewGroupNorm(groups, channels);
        outConv = nn.Conv2d(channels, options.Channels, 3, padding: 1);
        hookChannels = blocks.Where(b => b.IsInsertionPoint).Select(b => b.OutChannels).ToArray();
        RegisterComponents();
        if (device is not null) this.to(device);

        UNetStage NewStage(UNetBlock block) => new(
            new ResBlock(block.InChannels, block.OutChannels, embeddingDims, options.Dropout, groups),
            block.Attention ? new AttentionBlock(block.OutChannels, groups, options.AttentionHeads) : null);
    }

    /// <summary>The architecture this network was built from.</summary>
    public UNetOptions Options { get; }

    /// <summary>Channel count of the activation at each temporal insertion point, in call order (see <c>forward</c>).</summary>
    public IReadOnlyList<int> HookChannels => hookChannels;

    /// <summary>Number of scalar parameters.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>
    /// Predicts the noise: <paramref name="x"/> [B, C, H, W] float32, <paramref name="t"/> [B] float32 in [0, 1],
    /// <paramref name="labels"/> [B] int64 (class-conditional models) or null; returns eps [B, C, H, W].
    /// </summary>
    public override Tensor forward(Tensor x, Tensor t, Tensor? labels) => forward(x, t, labels, null, 1, null);

    /// <summary>
    /// <see cref="forward(Tensor, Tensor, Tensor?)"/> with the guidance scales <paramref name="guidance"/> [B] of a network with
    /// <see cref="UNetOptions.GuidanceEmbedding"/> (null for any other network).
    /// </summary>
    public Tensor forward(Tensor x, Tensor t, Tensor? labels, Tensor? guidance) => forward(x, t, labels, guidance, 1, null);

    /// <summary>The label of the null class (the last row of the class embedding), or -1 when the network has none.</summary>
    public long NullLabel => Options.NullClass ? Options.NumClasses : -1;

    /// <summary>
    /// The backbone pass with a folded time axis. The stem output of <paramref name="x"/> [B, C, H, W] is repeated
    /// <paramref name="repeats"/> times (row b * repeats + m); <paramref name="t"/> and <paramref name="labels"/> are [B * repeats].
    /// After each temporal insertion point k (0-based, in call order: every down-path stage, the middle attention, every up-path
    /// stage) the activation h [B * repeats, C_k, H_k, W_k] is replaced by <paramref name="hook"/>(k, h), which must keep its shape.
    /// Returns [B * repeats, C, H, W].
    /// </summary>
    public Tensor forward(Tensor x, Tensor t, Tensor? labels, int repeats, Func<int, Tensor, Tensor>? hook) => forward(x, t, labels, null, repeats, hook);

    /// <summary>
    /// The backbone pass with a folded time axis and, for a network with <see cref="UNetOptions.GuidanceEmbedding"/>, guidance scales
    /// <paramref name="guidance"/> [B * repeats]; otherwise as <see cref="forward(Tensor, Tensor, Tensor?, int, Func{int, Tensor, Tensor}?)"/>.
    /// </summary>
    public Tensor forward(Tensor x, Tensor t, Tensor? labels, Tensor? guidance, int repeats, Func<int, Tensor, Tensor>? hook)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(t);
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), repeats, "repeats must be at least 1");
        CheckInput(x);
        long rows = x.shape[0] * repeats;
        if (t.ndim != 1 || t.shape[0] != rows)
            throw new ArgumentException($"times must have shape [{rows}] (batch {x.shape[0]} x repeats {repeats}), got [{string.Join(", ", t.shape)}]", nameof(t));

        using var scope = torch.NewDisposeScope();
        var embedding = timeEmbedding.forward(t, labels, guidance);
        var stemOutput = RoutedConvolution.Forward(stem, x);
        // With repeats the stem output is the same for every copy of a sample: the first block's part before the time
        // conditioning runs once per sample (ForwardRepeated), and only its skip is stored repeated.
        var h = repeats > 1 ? ResBlock.Repeat(stemOutput, repeats) : stemOutput;
        var skips = new Stack<Tensor>();
        skips.Push(h);
        int point = 0;
        foreach (var block in blocks)
        {
            switch (block.Kind)
            {
                case UNetBlockKind.Down:
                    var stage = downStages[block.Index];
                    h = Apply(point++, block.Index == 0 && repeats > 1 ? stage.ForwardRepeated(stemOutput, embedding, repeats) : stage.forward(h, embedding));
                    skips.Push(h);
                    break;
                case UNetBlockKind.Downsample:
                    h = downsamplers[block.Index].forward(h);
                    skips.Push(h);
                    break;
                case UNetBlockKind.Middle:
                    h = Apply(point++, midAttn.forward(midRes1.forward(h, embedding)));
                    h = midRes2.forward(h, embedding);
                    break;
                case UNetBlockKind.Up:
                    h = Apply(point++, upStages[block.Index].forward(torch.cat(new[] { h, skips.Pop() }, dim: 1), embedding));
                    break;
                case UNetBlockKind.Upsample:
                    h = upsamplers[block.Index].forward(h);
                    break;
            }
        }

        var output = RoutedConvolution.Forward(outConv, nn.functional.silu(outNorm.forward(h)));
        return output.MoveToOuterDisposeScope();

        Tensor Apply(int k, Tensor activation)
        {
            if (hook is null) return activation;
            var replaced = hook(k, activation)
                ?? throw new InvalidOperationException($"the hook returned null at insertion point {k}");
            if (!replaced.shape.SequenceEqual(activation.shape))
                throw new InvalidOperationException(
                    $"the hook changed the shape at insertion point {k}: [{string.Join(", ", activation.shape)}] -> [{string.Join(", ", replaced.shape)}]");
            return replaced;
        }
    }

    /// <inheritdoc/>
    public nn.Module NewUntrainedCopy() => new UNet(Options);

    /// <inheritdoc/>
    public Tensor CheckObjective(Generator generator)
    {
        var type = GradientCheckInputs.TypeOf(this);
        int n = GradientCheckInputs.Samples;
        var x = GradientCheckInputs.Normal(new long[] { n, Options.Channels, Options.Height, Options.Width }, type, generator);
        var t = torch.rand(new long[] { n }, ScalarType.Float64, generator: generator).to(type);
        var labels = GradientCheckInputs.Labels(Options.NumClasses + (Options.NullClass ? 1 : 0), generator);
        var guidance = Options.GuidanceEmbedding ? torch.rand(new long[] { n }, ScalarType.Float64, generator: generator).Times(4.0).to(type) : null;
        return GradientCheckInputs.Mixed(forward(x, t, labels, guidance), generator);
    }

    /// <summary>
    /// Copies every parameter and buffer of <paramref name="source"/> (same architecture) into this network, under no_grad.
    /// </summary>
    public void CopyStateFrom(UNet source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var from = source.state_dict();
        var to = state_dict();
        // A w-conditioned copy of a teacher has the guidance embedding on top: it keeps its own (zero-output) initialisation.
        bool extraGuidance = Options.GuidanceEmbedding && !source.Options.GuidanceEmbedding;
        int extra = extraGuidance ? to.Keys.Count(IsGuidanceKey) : 0;
        if (from.Count + extra != to.Count || !from.Keys.All(to.ContainsKey))
            throw new ArgumentException("the source U-Net has a different set of parameters and buffers (another architecture)", nameof(source));
        using var _ = torch.no_grad();
        foreach (var (key, value) in from)
        {
            var target = to[key];
            if (!target.shape.SequenceEqual(value.shape))
                throw new ArgumentException(
                    $"{key}: shape [{string.Join(", ", value.shape)}] in the source, [{string.Join(", ", target.shape)}] here", nameof(source));
            target.copy_(value);
        }
    }

    private static bool IsGuidanceKey(string key) => key.Contains(".guidance1.", StringComparison.Ordinal) || key.Contains(".guidance2.", StringComparison.Ordinal);

    private void CheckInput(Tensor x)
    {
        if (x.ndim != 4 || x.shape[1] != Options.Channels)
            throw new ArgumentException($"input must have shape [B, {Options.Channels}, H, W], got [{string.Join(", ", x.shape)}]", nameof(x));
        long factor = 1L << (Options.ChannelMultipliers.Count - 1);
        if (x.shape[2] % factor != 0 || x.shape[3] % factor != 0)
            throw new ArgumentException($"input height and width must be divisible by {factor}, got {x.shape[2]}x{x.shape[3]}", nameof(x));
    }
}
