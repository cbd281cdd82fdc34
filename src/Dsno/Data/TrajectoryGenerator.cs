using System.Diagnostics;

namespace Dsno.Data;

/// <summary>
/// Makes trajectory records from a teacher: record i starts from the noise (and label) drawn for (seed, i), is solved with the
/// chosen ODE solver and keeps the frames at the grid times. Written as shards that can be produced by many processes or machines
/// over disjoint seed ranges and resumed after an interruption: only records not yet on disk are generated.
/// </summary>
public static class TrajectoryGenerator
{
    /// <summary>The record layout this teacher and these options produce.</summary>
    public static TrajectoryLayout Layout(DiffusionTeacher teacher, TrajectoryGenerationOptions options) =>
        new(teacher.Architecture.Channels, teacher.Architecture.Height, teacher.Architecture.Width, options.FrameTimes, options.Kind, teacher.Architecture.NumClasses);

    /// <summary>Generates records [first, first + count) in memory.</summary>
    public static TrajectoryBatch Generate(DiffusionTeacher teacher, TrajectoryGenerationOptions options, long first, int count, CancellationToken cancellationToken = default)
    {
        Validate(options, teacher);
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "generate at least one record");
        var parts = new List<TrajectoryBatch>();
        for (long at = first; at < first + count; at += options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            parts.Add(GenerateBatch(teacher, options, at, (int)Math.Min(options.BatchSize, first + count - at)));
        }
        return TrajectoryBatch.Concatenate(parts);
    }

    /// <summary>
    /// Writes records [first, first + count) as shards into <paramref name="directory"/>, skipping every record that a complete shard
    /// there already holds (shards of other runs with the same teacher settings count too). Returns the shard files of the range.
    /// </summary>
    public static IReadOnlyList<string> WriteShards(DiffusionTeacher teacher, TrajectoryGenerationOptions options, string directory, long first, long count,
        IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Validate(options, teacher);
        if (first < 0 || count < 1) throw new ArgumentOutOfRangeException(nameof(count), $"bad record range {first} + {count}");
        Directory.CreateDirectory(directory);
        var layout = Layout(teacher, options);
        var clock = Stopwatch.StartNew();

        var existing = ExistingShards(directory, layout, options);
        var missing = Subtract(first, first + count, existing.Select(e => (e.First, e.First + e.Count)));
        long skipped = count - missing.Sum(m => m.End - m.Start);
        long done = skipped;
        progress?.Report(new GenerationProgress(done, count, skipped, clock.Elapsed));

        foreach (var (start, end) in missing)
        {
            for (long shardStart = start; shardStart < end;)
            {
                long shardEnd = Math.Min(end, (shardStart / options.ShardSize + 1) * options.ShardSize);
                var info = new TrajectoryShardInfo(shardStart, shardEnd - shardStart, options.Seed, options.Solver, options.Steps, options.GuidanceScale);
                using (var writer = new TrajectoryShardWriter(ShardPath(directory, shardStart, shardEnd), layout, info))
                {
                    for (long at = shardStart; at < shardEnd; at += options.BatchSize)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        int n = (int)Math.Min(options.BatchSize, shardEnd - at);
                        using var batch = GenerateBatch(teacher, options, at, n);
                        writer.Append(batch);
                        done += n;
                        progress?.Report(new GenerationProgress(done, count, skipped, clock.Elapsed));
                    }
                    writer.Complete();
                }
                shardStart = shardEnd;
            }
        }
        return ExistingShards(directory, layout, options)
            .Where(e => e.First < first + count && e.First + e.Count > first)
            .Select(e => e.Path).ToList();
    }

    /// <summary>File name of the shard holding records [start, end).</summary>
    public static string ShardPath(string directory, long start, long end) =>
        Path.Combine(directory, $"trajectories-{start:D12}-{end:D12}{TrajectoryShardSet.Extension}");

    private static TrajectoryBatch GenerateBatch(DiffusionTeacher teacher, TrajectoryGenerationOptions options, long first, int count)
    {
        var a = teacher.Architecture;
        using var scope = torch.NewDisposeScope();
        var noise = GaussianNoise.Sample(first, count, a.Channels, a.Height, a.Width, options.Seed);
        Tensor? labels = a.NumClasses > 0
            ? torch.tensor(GaussianNoise.Labels(first, count, a.NumClasses, options.Seed).Select(l => (long)l).ToArray())
            : null;
        // Unguided records take the unguided path (bit for bit the records of earlier versions).
        var guidance = options.GuidanceScale > 0 ? torch.full(new long[] { count }, Scalars.Of(options.GuidanceScale), dtype: ScalarType.Float32) : null;
        var (_, frames) = teacher.Solve(noise, labels, guidance, options.Solver, options.Steps, options.FrameTimes, options.Kind, options.ClipDenoised);
        var batch = new TrajectoryBatch(noise.cpu().MoveToOuterDisposeScope(), frames!.cpu().MoveToOuterDisposeScope(), labels?.MoveToOuterDisposeScope(), first);
        return batch;
    }

    private static List<(string Path, long First, long Count)> ExistingShards(string directory, TrajectoryLayout layout, TrajectoryGenerationOptions options)
    {
        var found = new List<(string, long, long)>();
        foreach (var file in Directory.GetFiles(directory, "*" + TrajectoryShardSet.Extension).OrderBy(f => f, StringComparer.Ordinal))
        {
            using var reader = TrajectoryShardReader.Open(file, verifyChecksum: true);
            layout.CheckCompatible(reader.Layout, $"trajectory shard '{file}'");
            var i = reader.Info;
            if (i.Seed != options.Seed || i.Solver != options.Solver || i.Steps != options.Steps || i.Guidance != options.GuidanceScale)
                throw new InvalidDataException($"trajectory shard '{file}' was made with seed {i.Seed}, {i.Solver} {i.Steps} steps, guidance w = {Invariant(i.Guidance)}; " +
                                               $"this run asks for seed {options.Seed}, {options.Solver} {options.Steps} steps, w = {Invariant(options.GuidanceScale)}. Use another folder.");
            found.Add((file, i.FirstIndex, i.Count));
        }
        found.Sort((x, y) => x.Item2.CompareTo(y.Item2));
        for (int k = 1; k < found.Count; k++)
            if (found[k].Item2 < found[k - 1].Item2 + found[k - 1].Item3)
                throw new InvalidDataException($"trajectory shards '{found[k - 1].Item1}' and '{found[k].Item1}' overlap");
        return found;
    }

    /// <summary>[start, end) minus the given intervals, as sorted disjoint intervals.</summary>
    private static List<(long Start, long End)> Subtract(long start, long end, IEnumerable<(long Start, long End)> covered)
    {
        var result = new List<(long, long)>();
        long at = start;
        foreach (var (s, e) in covered.OrderBy(c => c.Start))
        {
            if (e <= at || s >= end) continue;
            if (s > at) result.Add((at, Math.Min(s, end)));
            at = Math.Max(at, e);
            if (at >= end) break;
        }
        if (at < end) result.Add((at, end));
        return result;
    }

    private static string Invariant(double x) => x.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void Validate(TrajectoryGenerationOptions o, DiffusionTeacher teacher)
    {
        Samplers.Get(o.Solver);
        ClassifierFreeGuidance.Check(o.GuidanceScale, nameof(o.GuidanceScale));
        if (o.GuidanceScale > 0 && !(teacher.Architecture.NumClasses > 0 && teacher.Architecture.NullClass))
            throw new ArgumentException($"GuidanceScale {Invariant(o.GuidanceScale)}: the teacher cannot be guided; classifier-free guidance needs a class-conditional teacher trained with a null class (label dropout)", nameof(o));
        if (o.Steps < 1) throw new ArgumentOutOfRangeException(nameof(o.Steps), o.Steps, "solver steps must be at least 1");
        if (o.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(o.BatchSize), o.BatchSize, "batch size must be at least 1");
        if (o.ShardSize < 1) throw new ArgumentOutOfRangeException(nameof(o.ShardSize), o.ShardSize, "shard size must be at least 1");
        FrameTimes.Validate(o.FrameTimes);
    }
}
