namespace Dsno.Networks;

/// <summary>What a block of the U-Net does with the running activation and the stack of skips.</summary>
internal enum UNetBlockKind
{
    /// <summary>A residual stage (and attention) of the down path; its output is pushed as a skip.</summary>
    Down,

    /// <summary>Stride-2 downsampling to the next level; its output is pushed as a skip.</summary>
    Downsample,

    /// <summary>The middle: ResBlock, attention, ResBlock at the deepest level.</summary>
    Middle,

    /// <summary>A residual stage (and attention) of the up path, fed the activation concatenated with the last skip popped.</summary>
    Up,

    /// <summary>Nearest-neighbour upsampling to the previous level.</summary>
    Upsample,
}

/// <summary>
/// One block of the U-Net in call order. <see cref="Describe"/> derives the whole structure (levels, channels, skip widths, attention,
/// temporal insertion points) from a <see cref="UNetOptions"/>; the network's constructor builds its modules from the list, and its
/// forward pass and ONNX export walk the same list, so the three cannot drift apart.
/// </summary>
/// <param name="Kind">What the block does.</param>
/// <param name="Index">Position among the blocks of its kind (the index of its module in that kind's list).</param>
/// <param name="Level">U-Net level whose resolution the block's output has (height = <see cref="UNetOptions.Height"/> &gt;&gt; level).</param>
/// <param name="InChannels">Input channels (for an up stage, the running activation's plus the skip's).</param>
/// <param name="OutChannels">Output channels.</param>
/// <param name="Attention">Whether self-attention follows the residual block of a stage.</param>
internal sealed record UNetBlock(UNetBlockKind Kind, int Index, int Level, int InChannels, int OutChannels, bool Attention)
{
    /// <summary>Whether a temporal insertion point follows the block (every stage and the middle attention; see <c>UNet.forward</c>).</summary>
    public bool IsInsertionPoint => Kind is UNetBlockKind.Down or UNetBlockKind.Middle or UNetBlockKind.Up;

    /// <summary>
    /// The blocks of the DDPM/ADM layout in call order: per level <see cref="UNetOptions.ResBlocksPerLevel"/> down stages and a
    /// downsampling (not after the deepest level), the middle, then per level from the deepest one more up stage than down stages and an
    /// upsampling (not after the first level). Skip widths follow from the order: every down stage and downsampling (and the stem)
    /// pushes its output, every up stage pops one.
    /// </summary>
    public static IReadOnlyList<UNetBlock> Describe(UNetOptions options)
    {
        int levels = options.ChannelMultipliers.Count;
        var attentionAt = new HashSet<int>(options.AttentionResolutions);
        var list = new List<UNetBlock>();
        var skips = new Stack<int>();
        int channels = options.BaseChannels;
        skips.Push(channels);
        int down = 0, downsample = 0, up = 0, upsample = 0;

        for (int level = 0; level < levels; level++)
        {
            int width = options.BaseChannels * options.ChannelMultipliers[level];
            bool attention = attentionAt.Contains(options.Height >> level);
            for (int b = 0; b < options.ResBlocksPerLevel; b++)
            {
                list.Add(new UNetBlock(UNetBlockKind.Down, down++, level, channels, width, attention));
                channels = width;
                skips.Push(channels);
            }
            if (level < levels - 1)
            {
                list.Add(new UNetBlock(UNetBlockKind.Downsample, downsample++, level + 1, channels, channels, false));
                skips.Push(channels);
            }
        }

        list.Add(new UNetBlock(UNetBlockKind.Middle, 0, levels - 1, channels, channels, true));

        for (int level = levels - 1; level >= 0; level--)
        {
            int width = options.BaseChannels * options.ChannelMultipliers[level];
            bool attention = attentionAt.Contains(options.Height >> level);
            for (int b = 0; b <= options.ResBlocksPerLevel; b++)
            {
                list.Add(new UNetBlock(UNetBlockKind.Up, up++, level, channels + skips.Pop(), width, attention));
                channels = width;
            }
            if (level > 0) list.Add(new UNetBlock(UNetBlockKind.Upsample, upsample++, level - 1, channels, channels, false));
        }
        return list;
    }
}
