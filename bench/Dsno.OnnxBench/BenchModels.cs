using Dsno.Diffusion;
using Dsno.Models;
using Dsno.Networks;
using TorchSharp;

namespace Dsno.OnnxBench;

/// <summary>The architectures measured: the bench's digits (8x8) and Fashion-MNIST-16 (16x16) U-Nets, with DSNO's temporal layers.</summary>
internal static class BenchModels
{
    public static UNetOptions Digits8(int classes) => new()
    {
        Channels = 1, Height = 8, Width = 8, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 2,
        AttentionResolutions = new[] { 4 }, NumClasses = classes,
    };

    public static UNetOptions Fashion16(int classes) => new()
    {
        Channels = 1, Height = 16, Width = 16, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2, 2 }, ResBlocksPerLevel = 2,
        AttentionResolutions = new[] { 8 }, NumClasses = classes,
    };

    /// <summary>
    /// A DSNO at quadratic times with random weights drawn from <paramref name="seed"/>; the temporal weights are drawn from
    /// [-1/C, 1/C) instead of the near-identity [0, 1/C^2), and every GroupNorm scale from 1 +- 0.25, so that each kind of layer
    /// changes the output as it would after training.
    /// </summary>
    public static DsnoModel Randomised(UNetOptions architecture, int m, int seed)
    {
        var model = DsnoModel.Create(architecture, FrameTimes.Quadratic(m), seed: seed);
        var generator = new torch.Generator((ulong)seed * 7919 + 17);
        using var noGrad = torch.no_grad();
        foreach (var layer in model.Network.TemporalLayers) layer.Weight.uniform_(-1.0 / layer.Channels, 1.0 / layer.Channels, generator);
        foreach (var (_, module) in model.Network.named_modules())
            if (module is TorchSharp.Modules.GroupNorm norm) norm.weight!.uniform_(0.75, 1.25, generator);
        return model;
    }
}
