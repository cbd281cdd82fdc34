namespace Dsno.Metrics;

/// <summary>
/// A counter-based stream of uniform draws built on <see cref="SeedMix"/>: draw i depends only on (seed, stream, i), so shuffles and
/// subsets repeat on every runtime and machine (unlike <see cref="Random"/>, whose seeded sequence .NET does not promise to keep).
/// </summary>
internal sealed class SeededDraws(long seed, ulong stream)
{
    private long counter;

    /// <summary>A uniform integer in [0, <paramref name="n"/>) (multiply-shift on the top 32 bits; bias below 2^-32 n).</summary>
    public int Below(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "must be at least 1");
        ulong bits = SeedMix.Mix(seed, counter++, stream) >> 32;
        return (int)((bits * (ulong)n) >> 32);
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher-Yates).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = Below(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A uniform draw of <paramref name="m"/> distinct indices from [0, <paramref name="n"/>) (partial Fisher-Yates).</summary>
    public long[] Subset(int n, int m)
    {
        var index = new long[n];
        for (int i = 0; i < n; i++) index[i] = i;
        for (int i = 0; i < m; i++)
        {
            int j = i + Below(n - i);
            (index[i], index[j]) = (index[j], index[i]);
        }
        return index.AsSpan(0, m).ToArray();
    }
}
