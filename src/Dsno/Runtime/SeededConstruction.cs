namespace Dsno.Runtime;

/// <summary>
/// Builds modules whose random initial weights depend only on a seed. TorchSharp modules draw their initial weights from torch's global
/// generator, so construction is serialised here and the generator reseeded first.
/// </summary>
public static class SeededConstruction
{
    private static readonly object Gate = new();

    /// <summary>Runs <paramref name="build"/> with torch's global generator seeded from <paramref name="seed"/> (or as it is, when null).</summary>
    public static T Build<T>(int? seed, Func<T> build)
    {
        if (seed is null) return build();
        lock (Gate)
        {
            torch.manual_seed((long)(SeedMix.Mix(seed.Value, 0, stream: 0x1417) >> 1));
            return build();
        }
    }
}
