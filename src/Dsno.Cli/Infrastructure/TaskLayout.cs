using System.Text.Json;
using System.Text.Json.Serialization;
using Dsno.Runtime;

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
    /// <summary>The task layout's file name in a trajectory folder (written by the first job-array task).</summary>
    public const string FileName = "dsno-tasks.json";

    private const int NamesInMessages = 4;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The task layout recorded in <paramref name="folder"/> by job-array tasks, or null when no task wrote there.</summary>
    public static TaskLayout? ReadFrom(TrajectoryShardFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string file = Path.Combine(folder.Path, FileName);
        if (!File.Exists(file)) return null;
        try
        {
            var layout = JsonSerializer.Deserialize<TaskLayout>(File.ReadAllText(file));
            if (layout is { Count: > 0, TaskCount: > 0, First: >= 0 }) return layout;
        }
        catch (JsonException) { }
        throw new BadInputException($"'{file}' is not a readable task layout; delete it (the shards stay valid) and rerun the tasks");
    }

    /// <summary>
    /// Records this layout in <paramref name="folder"/> for a job-array task, or checks it against the one recorded: tasks of another
    /// layout (another task count or record range) are refused, naming the shards already written, so that two splittings of the work
    /// never share a folder. Tasks starting together agree on one layout (<see cref="AtomicFile.CreateIfAbsent"/>).
    /// </summary>
    public void RecordIn(TrajectoryShardFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        AtomicFile.CreateIfAbsent(Path.Combine(folder.Path, FileName), JsonSerializer.Serialize(this, Indented));
        var recorded = ReadFrom(folder)!;
        if (recorded == this) return;
        var written = folder.Shards();
        string shards = written.Count == 0 ? "no shards yet"
            : "shards " + string.Join(", ", written.Take(NamesInMessages).Select(s => s.Name)) + (written.Count > NamesInMessages ? $" and {written.Count - NamesInMessages} more" : "");
        throw new BadInputException(
            $"--out '{folder.Path}' is laid out for {recorded} ({FileName}; {shards}), but this task belongs to {this}; " +
            string.Create(CultureInfo.InvariantCulture, $"rerun with --first {recorded.First} --count {recorded.Count} --task-count {recorded.TaskCount}, or use another --out"));
    }

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
