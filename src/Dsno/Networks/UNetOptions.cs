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

    /// <summary>Channel multiplier of each level; the count is the number of levels (resolution halves between levels).</summary>
    public IReadOnlyList<int> ChannelMultipliers { get; init; } = new[] { 1, 2 };

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
}
