using System.Text.Json.Serialization;

namespace Dsno.Cli.Infrastructure;

/// <summary>
/// How a trajectory set of records [<see cref="First"/>, <see cref="First"/> + <see cref="Count"/>) is split over
/// <see cref="TaskCount"/> tasks of a job array: the set's shards (cut at multiples of the shard size, as one process cuts them) are dealt
/// out in contiguous runs, task i taking shards [i n / K, (i + 1) n / K) of the n shards. Task boundaries fall on shard boundaries, so the
/// tasks write exactly the files one process would, whatever the task count.
/// </summary>
/// <param name="First">The set's first record.</param>
/// <param name="Count">Records in the set.</param>
/// <param name="TaskCount">Tasks the set is split over.</param>
public sealed record TaskLayout(long First, long Count, int TaskCount)
{
    /// <summary>One past the set's last record.</summary>
    [JsonIgnore]
    public long End => First + Count;

    /// <summary>The shards of the set at <paramref name="shardSize"/> records a shard.</summary>
    public long ShardCount(int shardSize) => CeilingDivide(End, shardSize) - First / shardSize;

    /// <summary>Usage error unless every task gets at least one shard.</summary>
    public void Validate(int shardSize)
    {
        long shards = ShardCount(shardSize);
        if (TaskCount > shards)
            throw new UsageException($"--task-count {TaskCount} is more than the {shards} shard(s) of records {Describe(First, End)} at --shard-size {shardSize}; " +
                $"every task needs a shard: use at most {shards} tasks or a smaller --shard-size");
    }

    /// <summary>The records [first, end) of task <paramref name="index"/>.</summary>
    public (long First, long End) TaskRange(int index, int shardSize)
    {
        if (index < 0 || index >= TaskCount) throw new ArgumentOutOfRangeException(nameof(index), index, $"outside the {TaskCount} tasks");
        long firstShard = First / shardSize, shards = ShardCount(shardSize);
        Int128 from = (Int128)(firstShard + (long)((Int128)shards * index / TaskCount)) * shardSize;
        Int128 to = (Int128)(firstShard + (long)((Int128)shards * (index + 1) / TaskCount)) * shardSize;
        return ((long)Int128.Max(First, from), (long)Int128.Min(End, to));
    }

    /// <summary>The tasks whose records meet [<paramref name="first"/>, <paramref name="end"/>).</summary>
    public IReadOnlyList<int> TasksMeeting(long first, long end, int shardSize) =>
        Enumerable.Range(0, TaskCount).Where(i => TaskRange(i, shardSize) is var r && r.First < end && first < r.End).ToList();

    /// <summary>"[a, b)" with the numbers in invariant culture.</summary>
    public static string Describe(long first, long end) => string.Create(CultureInfo.InvariantCulture, $"[{first}, {end})");

    /// <summary>For messages: "8 tasks over records [0, 4096)".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{TaskCount} task(s) over records {Describe(First, End)}");

    private static long CeilingDivide(long value, long divisor) => value / divisor + (value % divisor != 0 ? 1 : 0);
}
