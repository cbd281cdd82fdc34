using Dsno.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Tests.Networks;

/// <summary>Tiny architectures and exact comparisons shared by the network tests.</summary>
internal static class NetworkTestModels
{
    /// <summary>8x8 grey images, 16/32 channels, one residual block per level, attention at 4x4.</summary>
    public static UNetOptions Tiny(int numClasses = 0) => new()
    {
        Channels = 1,
        Height = 8,
        Width = 8,
        BaseChannels = 16,
        ChannelMultipliers = new[] { 1, 2 },
        ResBlocksPerLevel = 1,
        AttentionResolutions = new[] { 4 },
        Dropout = 0.0,
        NumClasses = numClasses,
        GroupNormGroups = 8,
    };

    public static bool Identical(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();

    public static double MaxAbsDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();
}
