using TorchSharp.Modules;

namespace Dsno.Networks;

/// <summary>
/// Residual block of the DDPM/ADM U-Net with FiLM conditioning: GroupNorm-SiLU-Conv3x3, then
/// h = GroupNorm(h) (1 + scale) + shift with (scale, shift) from the embedding, SiLU, Dropout, Conv3x3; a 1x1 conv on the skip
/// path when the channel count changes. Time enters the network only here (as in the DSNO authors' backbone).
/// </summary>
public sealed partial class ResBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly GroupNorm norm1;
    private readonly Conv2d conv1;
    private readonly Linear filmProjection;
    private readonly GroupNorm norm2;
    private readonly Dropout dropout;
    private readonly Conv2d conv2;
    private readonly Conv2d? skip;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="embeddingDims">Width of the conditioning vector.</param>
    /// <param name="dropout">Dropout probability before the second convolution.</param>
    /// <param name="groups">GroupNorm groups (must divide both channel counts).</param>
    /// <param name="name">Module name.</param>
    public ResBlock(int inChannels, int outChannels, int embeddingDims, double dropout, int groups, string name = "res") : base(name)
    {
        CheckGroups(inChannels, groups, nameof(inChannels));
        CheckGroups(outChannels, groups, nameof(outChannels));
        if (embeddingDims < 1) throw new ArgumentOutOfRangeException(nameof(embeddingDims), embeddingDims, "the embedding needs at least 1 feature");
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout must be in [0, 1)");
        InChannels = inChannels;
        OutChannels = outChannels;
        norm1 = NewGroupNorm(groups, inChannels);
        conv1 = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
        filmProjection = nn.Linear(embeddingDims, 2 * outChannels);
        norm2 = NewGroupNorm(groups, outChannels);
        this.dropout = nn.Dropout(dropout);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1);
        if (inChannels != outChannels) skip = nn.Conv2d(inChannels, outChannels, 1);
        RegisterComponents();
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Applies the block to <paramref name="x"/> [N, Cin, H, W] with conditioning <paramref name="embedding"/> [N, E].</summary>
    public override Tensor forward(Tensor x, Tensor embedding)
    {
        using var scope = torch.NewDisposeScope();
        var h = Conditioned(RoutedConvolution.Forward(conv1, nn.functional.silu(norm1.forward(x))), embedding);
        return Residual(x).Plus(h).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The block on <paramref name="x"/> [N, Cin, H, W] repeated <paramref name="repeats"/> times along the batch (row
    /// n * repeats + r), conditioned by <paramref name="embedding"/> [N * repeats, E]: the same result as
    /// <see cref="forward"/>(x repeated, embedding), but GroupNorm-SiLU-Conv before the conditioning, which would see identical
    /// copies, runs once per row of x (DSNO's first block after the repeated stem).
    /// </summary>
    public Tensor ForwardRepeated(Tensor x, Tensor embedding, int repeats)
    {
        using var scope = torch.NewDisposeScope();
        var h = Conditioned(Repeat(RoutedConvolution.Forward(conv1, nn.functional.silu(norm1.forward(x))), repeats), embedding);
        return Repeat(Residual(x), repeats).Plus(h).MoveToOuterDisposeScope();
    }

    /// <summary>The second half of the block: FiLM by the embedding (scale and shift after GroupNorm), SiLU, dropout, conv.</summary>
    private Tensor Conditioned(Tensor h, Tensor embedding)
    {
        var film = filmProjection.forward(nn.functional.silu(embedding)).unsqueeze(-1).unsqueeze(-1);
        var parts = film.chunk(2, dim: 1);
        h = (norm2.forward(h) * parts[0].Plus(1)).Plus(parts[1]);
        return RoutedConvolution.Forward(conv2, dropout.forward(nn.functional.silu(h)));
    }

    private Tensor Residual(Tensor x) => skip is null ? x : RoutedConvolution.Forward(skip, x);

    /// <summary>Rows n * repeats + r = x[n]: repeat_interleave along the batch as one plain copy.</summary>
    internal static Tensor Repeat(Tensor x, int repeats)
    {
        if (repeats == 1) return x.alias();
        var shape = x.shape;
        var expanded = new long[shape.Length + 1];
        expanded[0] = shape[0];
        expanded[1] = repeats;
        Array.Copy(shape, 1, expanded, 2, shape.Length - 1);
        var flat = (long[])shape.Clone();
        flat[0] = shape[0] * repeats;
        return x.unsqueeze(1).expand(expanded).reshape(flat);
    }

    /// <summary>A GroupNorm with weight 1 and bias 0 (TorchSharp leaves them uninitialised).</summary>
    internal static GroupNorm NewGroupNorm(int groups, int channels)
    {
        var norm = nn.GroupNorm(groups, channels, eps: 1e-5, affine: true);
        using (torch.no_grad())
        {
            norm.weight!.fill_(Scalars.Of(1.0));
            norm.bias!.zero_();
        }
        return norm;
    }

    internal static void CheckGroups(int channels, int groups, string what)
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(what, channels, "a channel count must be positive");
        if (groups < 1) throw new ArgumentOutOfRangeException(nameof(groups), groups, "GroupNorm needs at least 1 group");
        if (channels % groups != 0)
            throw new ArgumentOutOfRangeException(what, channels, $"{channels} channels are not divisible by the {groups} GroupNorm groups");
    }
}
