using Dsno.Diffusion;
using Dsno.Models;
using Dsno.Networks;
using TorchSharp;

namespace Dsno.Tests.Onnx;

/// <summary>Small DSNO operators with every kind of weight moved away from its initial value, so that an export bug shows in the outputs.</summary>
internal static class OnnxTestModels
{
    /// <summary>8x8: two levels, one block each, attention at 4x4 (one head).</summary>
    public static UNetOptions Small8(int classes) => new()
    {
        Channels = 1, Height = 8, Width = 8, BaseChannels = 16, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 1,
        AttentionResolutions = new[] { 4 }, NumClasses = classes, GroupNormGroups = 8,
    };

    /// <summary>16x16, 3 channels: three levels, two blocks each, attention at 8x8 with two heads.</summary>
    public static UNetOptions Small16(int classes) => new()
    {
        Channels = 3, Height = 16, Width = 16, BaseChannels = 16, ChannelMultipliers = new[] { 1, 2, 2 }, ResBlocksPerLevel = 2,
        AttentionResolutions = new[] { 8 }, AttentionHeads = 2, NumClasses = classes, GroupNormGroups = 4,
    };

    /// <summary>An operator at quadratic times with M frames, its GroupNorm affines and temporal weights perturbed (seeded).</summary>
    public static DsnoModel Perturbed(UNetOptions architecture, int m, int seed)
    {
        var model = DsnoModel.Create(architecture, FrameTimes.Quadratic(m), seed: seed);
        var generator = new torch.Generator((ulong)seed + 1000);
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in model.Network.named_parameters())
        {
            if (name.Contains("temporal"))
            {
                long channels = p.shape[1];
                p.uniform_(-1.0 / channels, 1.0 / channels, generator);
            }
            else if (name.Contains("norm") && name.EndsWith("weight", StringComparison.Ordinal))
                p.PlusInPlace(torch.randn(p.shape, generator: generator).Times(0.2));
            else if (name.Contains("norm") && name.EndsWith("bias", StringComparison.Ordinal))
                p.PlusInPlace(torch.randn(p.shape, generator: generator).Times(0.1));
            // The guidance embedding starts at zero: move it, or a broken export of it would not show.
            else if (name.Contains("guidance"))
                p.PlusInPlace(torch.randn(p.shape, generator: generator).Times(0.2));
        }
        return model;
    }

    /// <summary>A w-conditioned operator (guidance embedding, null class) trained on w in [0, 4], perturbed as <see cref="Perturbed"/>.</summary>
    public static DsnoModel PerturbedGuided(UNetOptions architecture, int m, int seed)
    {
        // The network moves to the w-conditioned model, which owns it from here.
        var plain = Perturbed(architecture with { NullClass = true, GuidanceEmbedding = true }, m, seed);
        return new DsnoModel(plain.Network, plain.Schedule) { GuidanceRange = (0, 4) };
    }
}
