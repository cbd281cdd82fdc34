namespace Dsno.Models;

/// <summary>
/// Bounds on architectures read from files, checked before any network is built, so a tampered header cannot make us allocate
/// without limit. A network within these bounds has at most about <see cref="MaxParameters"/> parameters.
/// </summary>
public static class ArchitectureLimits
{
    /// <summary>Largest parameter count a loaded model may declare (2^28 floats = 1 GiB).</summary>
    public const long MaxParameters = 1L << 28;

    /// <summary>Throws <see cref="InvalidDataException"/> when the options are outside the bounds; <paramref name="what"/> names the source.</summary>
    public static void Check(UNetOptions o, string what)
    {
        void Require(bool ok, string problem)
        {
            if (!ok) throw new InvalidDataException($"{what}: {problem}");
        }
        Require(o.Channels is >= 1 and <= 16, $"channels {o.Channels} outside 1..16");
        Require(o.Height is >= 2 and <= 1024 && o.Width is >= 2 and <= 1024, $"image size {o.Height}x{o.Width} outside 2..1024");
        Require(o.BaseChannels is >= 1 and <= 1024, $"base channels {o.BaseChannels} outside 1..1024");
        Require(o.ChannelMultipliers is { Count: >= 1 and <= 8 } && o.ChannelMultipliers.All(m => m is >= 1 and <= 16), "channel multipliers out of range");
        Require(o.ResBlocksPerLevel is >= 1 and <= 8, $"residual blocks per level {o.ResBlocksPerLevel} outside 1..8");
        Require(o.AttentionResolutions is { Count: <= 16 }, "too many attention resolutions");
        Require(o.NumClasses is >= 0 and <= 100_000, $"class count {o.NumClasses} outside 0..100000");
        Require(o.GroupNormGroups is >= 1 and <= 1024, $"group norm groups {o.GroupNormGroups} out of range");
        Require(o.Dropout is >= 0 and < 1, $"dropout {o.Dropout} outside [0, 1)");
        Require(o.AttentionHeads is >= 1 and <= 1024, $"attention heads {o.AttentionHeads} outside 1..1024");
        Require(o.AttentionResolutions.All(r => r is >= 1 and <= 1024), "an attention resolution is outside 1..1024");
        // A generous upper estimate: each level has (2 R + 1) residual blocks of two 3x3 convolutions at up to 2 x width channels.
        long width = (long)o.BaseChannels * o.ChannelMultipliers.Max();
        long estimate = o.ChannelMultipliers.Count * (2L * o.ResBlocksPerLevel + 3) * 2 * 9 * (2 * width) * (2 * width)
                        + (long)o.NumClasses * 4 * o.BaseChannels;
        Require(estimate <= MaxParameters, $"the architecture would have up to {estimate:N0} parameters, above the limit of {MaxParameters:N0}");
    }
}
