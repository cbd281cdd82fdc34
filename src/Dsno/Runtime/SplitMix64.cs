namespace Dsno.Runtime;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood, 2014): a 64-bit mixing function used to derive independent, reproducible seeds from
/// (seed, index) pairs. Pure integer arithmetic, so it gives the same numbers on every machine and runtime.
/// </summary>
internal static class SplitMix64
{
    /// <summary>The golden-ratio increment between successive states.</summary>
    public const ulong Gamma = 0x9E3779B97F4A7C15UL;

    /// <summary>The SplitMix64 output function: a bijective avalanche of <paramref name="z"/>.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// A 64-bit value that depends only on (<paramref name="seed"/>, <paramref name="stream"/>, <paramref name="index"/>): the
    /// index-th output of a SplitMix64 sequence whose start is derived from the seed and the stream.
    /// </summary>
    public static ulong Hash(int seed, ulong stream, long index)
    {
        ulong start = Mix((ulong)(uint)seed ^ stream);
        return Mix(start + ((ulong)index + 1) * Gamma);
    }

    /// <summary>Maps 64 random bits to [0, n) by multiply-shift on the high 32 bits (bias below n / 2^32).</summary>
    public static uint Below(ulong bits, uint n) => (uint)(((bits >> 32) * n) >> 32);
}
