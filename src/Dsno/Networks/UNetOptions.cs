using System.Text.Json.Serialization;

namespace Dsno.Networks;

/// <summary>Architecture of the epsilon-prediction U-Net (and of the DSNO network built on it).</summary>
public sealed record UNetOptions
{
    /// <summary>Image channels (1 for grey, 3 for colour).</summary>
    public int Channels { get; init; } = 1;

    /// <summary>Image height and width in pixels; each must be divisible by 2^(levels - 1).</summary>
    public int Height { get; init; } = 8;

    /// <inheritdoc cref="Height"/>
    public int Width { get; init; } = 8;

    /// <summary>Channels of the first level.</summary>
    public int BaseChannels { get; init; } = 32;

    /// <summary>Channel multiplier of each level; the count is the number of levels (resolution halves between levels). Default [1, 2, 2].</summary>
    public IReadOnlyList<int> ChannelMultipliers { get; init; } = new[] { 1, 2, 2 };

    /// <summary>Residual blocks per level on the down path (the up path has one more, as in DDPM).</summary>
    public int ResBlocksPerLevel { get; init; } = 2;

    /// <summary>Resolutions (height in pixels) at which a self-attention block follows each residual block.</summary>
    public IReadOnlyList<int> AttentionResolutions { get; init; } = Array.Empty<int>();

    /// <summary>Dropout inside residual blocks.</summary>
    public double Dropout { get; init; } = 0.0;

    /// <summary>Number of classes for class conditioning; 0 = unconditional.</summary>
    public int NumClasses { get; init; } = 0;

    /// <summary>
    /// One more row in the class embedding, index <see cref="NumClasses"/>, for the null class that label dropout trains and that
    /// classifier-free guidance evaluates (Ho and Salimans 2022). Needs <see cref="NumClasses"/> &gt; 0. Default false.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool NullClass { get; init; }

    /// <summary>
    /// A guidance-scale embedding added to the time and class embedding (as in guided distillation, Meng et al. 2023), so that the
    /// network takes w as an input. Needs <see cref="NumClasses"/> &gt; 0. Default false.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool GuidanceEmbedding { get; init; }

    /// <summary>Groups of every GroupNorm (channel counts must be divisible by it).</summary>
    public int GroupNormGroups { get; init; } = 8;

    /// <summary>Heads of every self-attention block (must divide the channel count where attention is used).</summary>
    public int AttentionHeads { get; init; } = 1;

    /// <summary>
    /// Throws unless <paramref name="labels"/> suit this architecture: none when it is unconditional, else class indices below
    /// <see cref="NumClasses"/> (in a tensor of shape [<paramref name="batch"/>] when a batch size is given); <paramref name="model"/>
    /// names the model in the message.
    /// </summary>
    internal void CheckLabels(Tensor? labels, long? batch, string model)
    {
        if (NumClasses == 0)
        {
            if (labels is not null) throw new ArgumentException($"this {model} is unconditional: pass no labels");
            return;
        }
        if (labels is null) throw new ArgumentException($"this {model} is class-conditional ({NumClasses} classes): labels are required");
        if (batch is { } b && (labels.shape.Length != 1 || labels.shape[0] != b)) throw new ArgumentException($"labels must be [{b}]");
        long min = labels.min().item<long>(), max = labels.max().item<long>();
        if (min < 0 || max >= NumClasses)
            throw new ArgumentOutOfRangeException(nameof(labels), $"labels must be in 0..{NumClasses - 1}, found {(min < 0 ? min : max)}");
    }

    /// <summary>
    /// Checks this architecture and throws <see cref="ArgumentOutOfRangeException"/> (parameter name <c>options</c>) naming the first
    /// problem found; <see cref="UNet"/>'s constructor calls it.
    /// </summary>
    public void Validate()
    {
        const string p = "options";
        if (Channels < 1) throw new ArgumentOutOfRangeException(p, Channels, "Channels must be at least 1");
        if (BaseChannels < 1) throw new ArgumentOutOfRangeException(p, BaseChannels, "BaseChannels must be at least 1");
        if (ChannelMultipliers is null || ChannelMultipliers.Count == 0)
            throw new ArgumentOutOfRangeException(p, "ChannelMultipliers must name at least one level");
        if (ChannelMultipliers.Count > 16)
            throw new ArgumentOutOfRangeException(p, ChannelMultipliers.Count, "ChannelMultipliers: at most 16 levels are supported");
        for (int i = 0; i < ChannelMultipliers.Count; i++)
            if (ChannelMultipliers[i] < 1)
                throw new ArgumentOutOfRangeException(p, ChannelMultipliers[i], $"ChannelMultipliers[{i}] must be at least 1");
        if (ResBlocksPerLevel < 1) throw new ArgumentOutOfRangeException(p, ResBlocksPerLevel, "ResBlocksPerLevel must be at least 1");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentOutOfRangeException(p, Dropout, "Dropout must be in [0, 1)");
        if (NumClasses < 0) throw new ArgumentOutOfRangeException(p, NumClasses, "NumClasses cannot be negative (0 = unconditional)");
        if ((NullClass || GuidanceEmbedding) && NumClasses == 0)
            throw new ArgumentOutOfRangeException(p, "NullClass and GuidanceEmbedding need a class-conditional network (NumClasses > 0)");
        if (GroupNormGroups < 1) throw new ArgumentOutOfRangeException(p, GroupNormGroups, "GroupNormGroups must be at least 1");
        if (AttentionHeads < 1) throw new ArgumentOutOfRangeException(p, AttentionHeads, "AttentionHeads must be at least 1");

        int levels = ChannelMultipliers.Count;
        int factor = 1 << (levels - 1);
        if (Height < 1 || Height % factor != 0)
            throw new ArgumentOutOfRangeException(p, Height, $"Height must be a positive multiple of 2^(levels - 1) = {factor} for {levels} levels");
        if (Width < 1 || Width % factor != 0)
            throw new ArgumentOutOfRangeException(p, Width, $"Width must be a positive multiple of 2^(levels - 1) = {factor} for {levels} levels");

        if (BaseChannels % GroupNormGroups != 0)
            throw new ArgumentOutOfRangeException(p, BaseChannels, $"BaseChannels ({BaseChannels}) must be divisible by GroupNormGroups ({GroupNormGroups})");
        var levelResolutions = Enumerable.Range(0, levels).Select(l => Height >> l).ToArray();
        for (int i = 0; i < levels; i++)
        {
            long channels = (long)BaseChannels * ChannelMultipliers[i];
            if (channels % GroupNormGroups != 0)
                throw new ArgumentOutOfRangeException(p, channels,
                    $"level {i} has {channels} channels (BaseChannels x ChannelMultipliers[{i}]), not divisible by GroupNormGroups ({GroupNormGroups})");
        }

        var attention = AttentionResolutions ?? Array.Empty<int>();
        foreach (int resolution in attention)
            if (Array.IndexOf(levelResolutions, resolution) < 0)
                throw new ArgumentOutOfRangeException(p, resolution,
                    $"AttentionResolutions names {resolution}, which is no level's height (levels: {string.Join(", ", levelResolutions)})");
        // Attention runs in the middle block (deepest level) and at every named resolution.
        var attentionLevels = Enumerable.Range(0, levels).Where(l => attention.Contains(levelResolutions[l])).Append(levels - 1);
        foreach (int l in attentionLevels)
        {
            int channels = BaseChannels * ChannelMultipliers[l];
            if (channels % AttentionHeads != 0)
                throw new ArgumentOutOfRangeException(p, AttentionHeads,
                    $"AttentionHeads ({AttentionHeads}) must divide the {channels} channels of level {l}, where attention runs");
        }
    }
}
