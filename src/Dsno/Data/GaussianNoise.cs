namespace Dsno.Data;

/// <summary>
/// Reproducible noise and labels addressed by row: row r under seed s is drawn from its own CPU <see cref="torch.Generator"/>
/// seeded with a SplitMix64 mix of (s, r), so a row's values depend on (s, r) only, not on the batch it is drawn in, the device,
/// or the thread count. Sample(0, 10) rows 3..5 equal Sample(3, 3).
/// </summary>
public static class GaussianNoise
{
    // Distinct streams keep noise rows and label draws of the same (seed, row) independent.
    private const ulong NoiseStream = 0x6E6F697365000000UL; // "noise"
    private const ulong LabelStream = 0x6C6162656C000000UL; // "label"

    /// <summary>
    /// Standard normal noise for rows <paramref name="firstIndex"/> .. firstIndex+count-1: a float32 tensor [count, C, H, W]
    /// on <paramref name="device"/> (drawn on the CPU, then moved).
    /// </summary>
    public static Tensor Sample(long firstIndex, int count, int channels, int height, int width, int seed, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (firstIndex > long.MaxValue - count) throw new ArgumentOutOfRangeException(nameof(firstIndex), "row range overflows");

        var rowShape = new long[] { 1, channels, height, width };
        using (var scope = torch.NewDisposeScope())
        {
            var rows = new Tensor[count];
            for (int i = 0; i < count; i++)
            {
                using var generator = new torch.Generator(SplitMix64.Hash(seed, NoiseStream, firstIndex + i));
                rows[i] = torch.randn(rowShape, ScalarType.Float32, torch.CPU, generator: generator);
            }
            var batch = count == 0
                ? torch.empty(new long[] { 0, channels, height, width }, ScalarType.Float32)
                : torch.cat(rows, 0);
            if (device is not null && device.type != DeviceType.CPU) batch = batch.to(device);
            return batch.MoveToOuterDisposeScope();
        }
    }

    /// <summary>
    /// The same noise as <see cref="Sample"/>, as a flat array [count * C * H * W] (for callers that do not hold tensors).
    /// </summary>
    public static float[] SampleArray(long firstIndex, int count, int channels, int height, int width, int seed)
    {
        using var noise = Sample(firstIndex, count, channels, height, width, seed);
        return noise.data<float>().ToArray();
    }

    /// <summary>
    /// Uniform labels in [0, <paramref name="classes"/>) for rows <paramref name="firstIndex"/> .. firstIndex+count-1, each a
    /// function of (seed, row) only, independent of the noise of the same row.
    /// </summary>
    public static int[] Labels(long firstIndex, int count, int classes, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (firstIndex > long.MaxValue - count) throw new ArgumentOutOfRangeException(nameof(firstIndex), "row range overflows");
        var labels = new int[count];
        for (int i = 0; i < count; i++)
            labels[i] = (int)SplitMix64.Below(SplitMix64.Hash(seed, LabelStream, firstIndex + i), (uint)classes);
        return labels;
    }

    /// <summary>
    /// The uniform draw in [0, 1) behind row <paramref name="index"/>'s classifier-free guidance scale in a w-conditioned trajectory set
    /// (the scale is min + u (max - min)): a function of (seed, row) only, as the noise and the labels are.
    /// </summary>
    public static double GuidanceUniform(long index, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return (SeedMix.Mix(seed, index, GuidanceStream) >> 11) * (1.0 / (1UL << 53));
    }

    // The SeedMix stream of the guidance scales (the noise and the labels hash other streams).
    private const ulong GuidanceStream = 29;
}
