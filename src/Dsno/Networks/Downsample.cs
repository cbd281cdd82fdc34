using TorchSharp.Modules;

namespace Dsno.Networks;

/// <summary>Halves the resolution with a stride-2 3x3 convolution (channels unchanged).</summary>
public sealed partial class Downsample : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;

    /// <summary>Creates the layer for <paramref name="channels"/> channels.</summary>
    public Downsample(int channels, string name = "down") : base(name)
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "a channel count must be positive");
        conv = nn.Conv2d(channels, channels, 3, stride: 2, padding: 1);
        RegisterComponents();
    }

    /// <summary>[N, C, H, W] -> [N, C, H/2, W/2].</summary>
    public override Tensor forward(Tensor x) => RoutedConvolution.Forward(conv, x);
}
