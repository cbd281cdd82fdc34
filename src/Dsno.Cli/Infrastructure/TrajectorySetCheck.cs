namespace Dsno.Cli.Infrastructure;

/// <summary>
/// Whether a trajectory folder holds exactly the records [<see cref="First"/>, <see cref="End"/>): each record in one readable shard made
/// with the folder's settings, no gap, no overlap, and no shard outside the range (<c>dsno fit</c> reads every <c>.idv</c> file of a
/// folder). What is missing is listed shard by shard with the job-array task that writes it.
/// </summary>
/// <param name="First">First record of the set.</param>
/// <param name="End">One past its last record.</param>
/// <param name="Layout">The task layout the missing shards are attributed to, or null.</param>
/// <param name="Present">Good shards inside the range.</param>
/// <param name="Missing">Shards to write, each with its task (null without a layout).</param>
/// <param name="Overlapping">Pairs of shard files whose records overlap.</param>
/// <param name="Bad">Shard files that are unreadable, hold the wrong number of rows, or were made with other settings.</param>
/// <param name="Outside">Shard files outside the range.</param>
/// <param name="Partial">Temporary files of writers that stopped before finishing (harmless).</param>
public sealed record TrajectorySetCheck(long First, long End, TaskLayout? Layout, IReadOnlyList<TrajectoryShardFolder.Shard> Present,
    IReadOnlyList<(TrajectoryShardFolder.Shard Shard, int? Task)> Missing, IReadOnlyList<(TrajectoryShardFolder.Shard First, TrajectoryShardFolder.Shard Second)> Overlapping,
    IReadOnlyList<(TrajectoryShardFolder.Shard Shard, string Problem)> Bad, IReadOnlyList<TrajectoryShardFolder.Shard> Outside, IReadOnlyList<string> Partial)
{
    /// <summary>No gap, overlap, bad shard or stray shard.</summary>
    public bool Complete => Missing.Count == 0 && Overlapping.Count == 0 && Bad.Count == 0 && Outside.Count == 0;

    /// <summary>Records held by the good shards in the range.</summary>
    public long RecordsPresent => Present.Sum(s => s.Count);

    /// <summary>The tasks that write the missing shards, in order.</summary>
    public IReadOnlyList<int> TasksToRerun => Missing.Where(m => m.Task is not null).Select(m => m.Task!.Value).Distinct().Order().ToList();

    /// <summary>Checks <paramref name="folder"/> for records [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>).</summary>
    public static TrajectorySetCheck Run(MLContext ml, TrajectoryShardFolder folder, long first, long count, TaskLayout? layout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(folder);
        long end = first + count;
        int shardSize = folder.Settings.ShardSize;
        var all = folder.Shards();
        var inside = all.Where(s => s.First >= first && s.End <= end).ToList();
        var outside = all.Where(s => s.First < first || s.End > end).ToList();
        var bad = new List<(TrajectoryShardFolder.Shard, string)>();
        var good = new List<TrajectoryShardFolder.Shard>();
        foreach (var shard in inside)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (folder.ShardProblem(ml, shard) is { } problem) bad.Add((shard, problem));
            else good.Add(shard);
        }
        var missing = folder.MissingFrom(good, first, count)
            .Select(s => (s, layout is null ? (int?)null : layout.TasksMeeting(s.First, s.End, shardSize).Single()))
            .ToList();
        return new TrajectorySetCheck(first, end, layout, good, missing, TrajectoryShardFolder.Overlaps(all), bad, outside, folder.PartialFiles());
    }
}
