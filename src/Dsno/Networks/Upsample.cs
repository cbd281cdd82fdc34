using TorchSharp.Modules;

namespace Dsno.Networks;

/// <summary>Doubles the resolution: nearest-neighbour x2, then a 3x3 convolution (channels unchanged).</summary>
public sealed partial class Upsample : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;

    /// <summary>Creates the layer for <paramref name="channels"/> channels.</summary>
    public Upsample(int channels, string name = "up") : base(name)
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "a channel count must be positive");
        conv = nn.Conv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>[N, C, H, W] -> [N, C, 2H, 2W].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var up = nn.functional.interpolate(x, scale_factor: new[] { 2.0, 2.0 }, mode: InterpolationMode.Nearest);
        return RoutedConvolution.Forward(conv, up).MoveToOuterDisposeScope();
    }
}
