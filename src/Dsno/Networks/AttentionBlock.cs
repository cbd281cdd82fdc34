using TorchSharp.Modules;

namespace Dsno.Networks;

/// <summary>
/// Self-attention over the H*W positions of a feature map (DDPM/ADM): GroupNorm, 1x1 conv to queries/keys/values, multi-head
/// scaled dot-product attention, 1x1 output projection, added to the input.
/// </summary>
public sealed partial class AttentionBlock : nn.Module<Tensor, Tensor>
{
    private readonly GroupNorm norm;
    private readonly Conv2d qkv;
    private readonly Conv2d proj;

    /// <summary>Creates the block.</summary>
    /// <param name="channels">Channels of the feature map.</param>
    /// <param name="groups">GroupNorm groups (must divide <paramref name="channels"/>).</param>
    /// <param name="heads">Attention heads (must divide <paramref name="channels"/>).</param>
    /// <param name="name">Module name.</param>
    public AttentionBlock(int channels, int groups, int heads = 1, string name = "attn") : base(name)
    {
        ResBlock.CheckGroups(channels, groups, nameof(channels));
        if (heads < 1 || channels % heads != 0)
            throw new ArgumentOutOfRangeException(nameof(heads), heads, $"the head count must be positive and divide the {channels} channels");
        Channels = channels;
        Heads = heads;
        norm = ResBlock.NewGroupNorm(groups, channels);
        qkv = nn.Conv2d(channels, 3 * channels, 1);
        proj = nn.Conv2d(channels, channels, 1);
        RegisterComponents();
    }

    /// <summary>Channels of the feature map.</summary>
    public int Channels { get; }

    /// <summary>Attention heads.</summary>
    public int Heads { get; }

    /// <summary>Applies attention to <paramref name="x"/> [N, C, H, W].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        long n = x.shape[0], c = x.shape[1], height = x.shape[2], width = x.shape[3];
        long d = c / Heads;
        // [N, 3, heads, d, HW] -> q, k, v of [N, heads, HW, d]
        var parts = RoutedConvolution.Forward(qkv, norm.forward(x)).reshape(n, 3, Heads, d, height * width).unbind(1);
        var q = parts[0].transpose(-1, -2);
        var k = parts[1].transpose(-1, -2);
        var v = parts[2].transpose(-1, -2);
        var weights = torch.softmax(torch.matmul(q, k.transpose(-1, -2)).Times(1.0 / Math.Sqrt(d)), dim: -1);
        var attended = torch.matmul(weights, v).transpose(-1, -2).reshape(n, c, height, width);
        return x.Plus(RoutedConvolution.Forward(proj, attended)).MoveToOuterDisposeScope();
    }
}
