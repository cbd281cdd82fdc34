namespace Dsno.Networks;

/// <summary>One residual block of a U-Net level, followed by self-attention when the level's resolution asks for it.</summary>
public sealed partial class UNetStage : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ResBlock res;
    private readonly AttentionBlock? attn;

    /// <summary>Creates the stage from its residual block and optional attention block.</summary>
    public UNetStage(ResBlock res, AttentionBlock? attn, string name = "stage") : base(name)
    {
        this.res = res ?? throw new ArgumentNullException(nameof(res));
        this.attn = attn;
        RegisterComponents();
    }

    /// <summary>Output channels.</summary>
    public int OutChannels => res.OutChannels;

    /// <summary>
    /// Applies the stage to <paramref name="x"/> repeated <paramref name="repeats"/> times along the batch (see
    /// <see cref="ResBlock.ForwardRepeated"/>); <paramref name="embedding"/> has one row per repeated row.
    /// </summary>
    public Tensor ForwardRepeated(Tensor x, Tensor embedding, int repeats)
    {
        if (attn is null) return res.ForwardRepeated(x, embedding, repeats);
        using var scope = torch.NewDisposeScope();
        return attn.forward(res.ForwardRepeated(x, embedding, repeats)).MoveToOuterDisposeScope();
    }

    /// <summary>Applies the residual block (and attention) to <paramref name="x"/> with conditioning <paramref name="embedding"/>.</summary>
    public override Tensor forward(Tensor x, Tensor embedding)
    {
        if (attn is null) return res.forward(x, embedding);
        using var scope = torch.NewDisposeScope();
        return attn.forward(res.forward(x, embedding)).MoveToOuterDisposeScope();
    }
}
