namespace Dsno.Data;

/// <summary>
/// A set of trajectory shards read as one stream of training batches. The shards must cover one contiguous range of record indices
/// with no gap and no overlap (so no record is lost or counted twice). Step s reads one contiguous run of records: the run's start is
/// a seeded permutation of batch-sized blocks per epoch plus a per-epoch shift, so data order depends only on (seed, step).
/// </summary>
public sealed class TrajectoryShardSet : ITrajectorySource, IDisposable
{
    private readonly List<TrajectoryShardReader> _shards;

    private TrajectoryShardSet(List<TrajectoryShardReader> shards)
    {
        _shards = shards;
        Layout = shards[0].Layout;
        Count = shards.Sum(s => s.Info.Count);
        GuidanceScale = shards[0].Info.Guidance;
    }

    /// <summary>File extension of shards.</summary>
    public const string Extension = ".dsnotraj";

    /// <inheritdoc/>
    public TrajectoryLayout Layout { get; }
    /// <summary>The classifier-free guidance scale w every record was solved at (0: unguided); a DSNO trained on them distils that w.</summary>
    public double GuidanceScale { get; }
    /// <inheritdoc/>
    public long Count { get; }
    /// <summary>The shards, ordered by first record.</summary>
    public IReadOnlyList<TrajectoryShardReader> Shards => _shards;

    /// <summary>Opens every shard in a folder (or the files given). Throws <see cref="InvalidDataException"/> on gaps, overlaps or mixed layouts.</summary>
    public static TrajectoryShardSet Open(string directoryOrFile, bool verifyChecksums = true)
    {
        string[] files = Directory.Exists(directoryOrFile)
            ? Directory.GetFiles(directoryOrFile, "*" + Extension).OrderBy(f => f, StringComparer.Ordinal).ToArray()
            : new[] { directoryOrFile };
        return Open(files, verifyChecksums);
    }

    /// <summary>Opens the given shard files.</summary>
    public static TrajectoryShardSet Open(IEnumerable<string> files, bool verifyChecksums = true)
    {
        var readers = new List<TrajectoryShardReader>();
        try
        {
            foreach (var f in files) readers.Add(TrajectoryShardReader.Open(f, verifyChecksums));
            if (readers.Count == 0) throw new InvalidDataException("no trajectory shards found");
            readers.Sort((a, b) => a.Info.FirstIndex.CompareTo(b.Info.FirstIndex));
            for (int i = 1; i < readers.Count; i++)
            {
                readers[0].Layout.CheckCompatible(readers[i].Layout, $"trajectory shard '{readers[i].Path}'");
                if (readers[i].Info.Guidance != readers[0].Info.Guidance)
                    throw new InvalidDataException($"trajectory shards '{readers[0].Path}' and '{readers[i].Path}' were solved at different guidance scales ({readers[0].Info.Guidance} and {readers[i].Info.Guidance})");
                long expected = readers[i - 1].Info.FirstIndex + readers[i - 1].Info.Count;
                if (readers[i].Info.FirstIndex != expected)
                    throw new InvalidDataException(readers[i].Info.FirstIndex < expected
                        ? $"trajectory shards '{readers[i - 1].Path}' and '{readers[i].Path}' overlap"
                        : $"records {expected}..{readers[i].Info.FirstIndex - 1} are missing between '{readers[i - 1].Path}' and '{readers[i].Path}'");
            }
            if (readers.Sum(r => r.Info.Count) == 0) throw new InvalidDataException("the trajectory shards hold no records");
            return new TrajectoryShardSet(readers);
        }
        catch
        {
            foreach (var r in readers) r.Dispose();
            throw;
        }
    }

    /// <summary>Reads records [start, start + count) of the set (0-based within the set), across shard boundaries.</summary>
    public TrajectoryBatch ReadRange(long start, int count)
    {
        if (start < 0 || count < 1 || start + count > Count) throw new ArgumentOutOfRangeException(nameof(start), $"records {start}..{start + count} outside 0..{Count}");
        var parts = new List<TrajectoryBatch>();
        long at = start;
        long shardStart = 0;
        foreach (var shard in _shards)
        {
            long shardEnd = shardStart + shard.Info.Count;
            if (at < shardEnd && at < start + count)
            {
                int n = (int)Math.Min(shardEnd - at, start + count - at);
                parts.Add(shard.Read(at - shardStart, n));
                at += n;
            }
            shardStart = shardEnd;
        }
        return TrajectoryBatch.Concatenate(parts);
    }

    /// <inheritdoc/>
    public TrajectoryBatch ReadBatch(long step, int batchSize, int seed)
    {
        int b = (int)Math.Min(batchSize, Count);
        long blocks = Count / b;
        long epoch = step / blocks;
        long k = step % blocks;
        var rng = new Random((int)(SeedMix.Mix(seed, epoch, stream: 7) & 0x7FFFFFFF));
        long shift = rng.NextInt64(0, b);
        long block = Permutation(blocks, rng)[k];
        long start = (block * b + shift) % Count;
        if (start + b <= Count) return ReadRange(start, b);
        // Wrap around the end of the set.
        return TrajectoryBatch.Concatenate(new[] { ReadRange(start, (int)(Count - start)), ReadRange(0, b - (int)(Count - start)) });
    }

    private static long[] Permutation(long n, Random rng)
    {
        var p = new long[n];
        for (long i = 0; i < n; i++) p[i] = i;
        for (long i = n - 1; i > 0; i--)
        {
            long j = rng.NextInt64(0, i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var s in _shards) s.Dispose();
    }
}
