using System.Globalization;

namespace Dsno.Metrics;

/// <summary>Architecture and training settings of the <see cref="FeatureClassifier"/> whose features the sample-quality metrics use.</summary>
public sealed record ClassifierOptions
{
    /// <summary>Channels of the first convolution; the two strided convolutions have twice and four times as many.</summary>
    public int BaseChannels { get; init; } = 32;

    /// <summary>Width of the penultimate layer, whose activations are the features.</summary>
    public int FeatureDim { get; init; } = 64;

    /// <summary>Groups of each GroupNorm; must divide <see cref="BaseChannels"/>.</summary>
    public int GroupNormGroups { get; init; } = 8;

    /// <summary>Passes over the training split.</summary>
    public int Epochs { get; init; } = 8;

    /// <summary>Images per optimiser step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam learning rate (constant).</summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>
    /// Light augmentation: each training image is shifted by up to this many pixels in each direction, the uncovered border filled with
    /// -1 (the background of images in [-1, 1]). 0 disables it.
    /// </summary>
    public int MaxShift { get; init; } = 1;

    /// <summary>Seed of the initial weights, the batch order and the shifts; training repeats bit for bit at a fixed thread count.</summary>
    public int Seed { get; init; } = 0;

    /// <summary>Torch device ("cpu", "cuda", "cuda:1").</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Intra-op threads for torch; 0 leaves the process setting alone. Results repeat exactly only at a fixed thread count.</summary>
    public int Threads { get; init; } = 0;

    /// <summary>Checks the values and throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (BaseChannels < 1) throw new ArgumentOutOfRangeException(nameof(BaseChannels), BaseChannels, "must be at least 1");
        if (FeatureDim < 2) throw new ArgumentOutOfRangeException(nameof(FeatureDim), FeatureDim, "must be at least 2");
        if (GroupNormGroups < 1 || BaseChannels % GroupNormGroups != 0)
            throw new ArgumentOutOfRangeException(nameof(GroupNormGroups), GroupNormGroups, $"must be at least 1 and divide BaseChannels ({BaseChannels})");
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "must be at least 1");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "must be at least 1");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "must be a positive finite number");
        if (MaxShift < 0 || MaxShift > 4) throw new ArgumentOutOfRangeException(nameof(MaxShift), MaxShift, "must be in [0, 4]");
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "must not be negative");
        if (string.IsNullOrWhiteSpace(Device)) throw new ArgumentOutOfRangeException(nameof(Device), Device, "must name a torch device");
    }

    /// <summary>
    /// The settings that change the trained weights, as one invariant string (part of the cache key). The device and thread count are
    /// left out: they change the weights only in the last bits.
    /// </summary>
    internal string CacheKeyText() => string.Create(CultureInfo.InvariantCulture,
        $"base={BaseChannels};feat={FeatureDim};groups={GroupNormGroups};epochs={Epochs};batch={BatchSize};lr={LearningRate:R};shift={MaxShift};seed={Seed}");
}
