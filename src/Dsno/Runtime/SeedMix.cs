namespace Dsno.Runtime;

/// <summary>
/// Derives independent 64-bit seeds from (seed, index) pairs with the SplitMix64 finaliser, so that a random draw depends only on
/// its own index (record number, training step) and never on batch sizes, thread counts or what ran before.
/// </summary>
public static class SeedMix
{
    /// <summary>A well-mixed seed for item <paramref name="index"/> of the stream named by <paramref name="seed"/> and <paramref name="stream"/>.</summary>
    public static ulong Mix(long seed, long index, ulong stream = 0)
    {
        ulong z = unchecked((ulong)seed * SplitMix64.Gamma ^ (ulong)index * 0xD1B54A32D192ED03UL ^ stream * 0x8CB92BA72F3D8DD7UL);
        return SplitMix64.Mix(z);
    }
}
