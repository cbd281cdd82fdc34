namespace Dsno.Cli.Commands;

/// <summary>
/// <c>dsno trajectories --check --out DIR</c>: whether a trajectory folder holds the whole set (the range of its task layout, or
/// <c>--first</c>/<c>--count</c>), with no gap, no overlap and no shard made with other settings; lists the missing shards and the
/// job-array tasks that write them. Exit code 0 when complete, <see cref="ExitCodes.Incomplete"/> when not.
/// </summary>
public static class TrajectoryCheckCommand
{
    private const int ListedInText = 12;

    /// <summary>Runs the check (the options are those of <c>dsno trajectories</c>).</summary>
    public static int Execute(CliContext context, string output, string? teacher, int? count, long first, int? taskIndex, int? taskCount)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (taskIndex is not null) throw new UsageException("--check looks at the whole set, not one task's share: drop --task-index");
        var folder = TrajectoryFiles.OutFolder(() => TrajectoryShardFolder.OpenExisting(output));
        if (teacher is not null && TrajectoryShardFolder.Sha256(teacher) is var hash && hash != folder.Settings.TeacherSha256)
            throw new BadInputException($"'{output}' was generated from another teacher than --teacher '{teacher}' (SHA-256 {folder.Settings.TeacherSha256[..12]}..., not {hash[..12]}...)");
        var recorded = TaskLayout.ReadFrom(folder);
        long setFirst, setCount;
        if (count is { } n)
        {
            if (first > long.MaxValue - n) throw new UsageException("--first + --count is too large");
            (setFirst, setCount) = (first, n);
        }
        else if (recorded is not null) (setFirst, setCount) = (recorded.First, recorded.Count);
        else throw new UsageException($"--check needs --count (and --first when not 0): '{output}' has no task layout ({TaskLayout.FileName}) that says which records the set holds");

        // The layout to name tasks by: --task-count, else the recorded one when it covers the same records.
        TaskLayout? layout = taskCount is { } k ? new TaskLayout(setFirst, setCount, k)
            : recorded is not null && recorded.First == setFirst && recorded.Count == setCount ? recorded : null;
        layout?.Validate(folder.Settings.ShardSize);

        var report = TrajectorySetCheck.Run(new MLContext(seed: 0), folder, setFirst, setCount, layout, context.CancellationToken);
        context.Result(Json(output, folder, report), () => Describe(context, output, report));
        return report.Complete ? ExitCodes.Success : ExitCodes.Incomplete;
    }

    private static JsonObject Json(string output, TrajectoryShardFolder folder, TrajectorySetCheck r) => new()
    {
        ["command"] = "trajectories-check",
        ["out"] = Path.GetFullPath(output),
        ["complete"] = r.Complete,
        ["first"] = r.First,
        ["count"] = r.End - r.First,
        ["shardSize"] = folder.Settings.ShardSize,
        ["taskCount"] = r.Layout?.TaskCount,
        ["shards"] = r.Present.Count,
        ["records"] = r.RecordsPresent,
        ["missing"] = new JsonArray(r.Missing.Select(m => (JsonNode?)new JsonObject
        {
            ["first"] = m.Shard.First,
            ["end"] = m.Shard.End,
            ["file"] = m.Shard.Name,
            ["task"] = m.Task,
        }).ToArray()),
        ["tasksToRerun"] = new JsonArray(r.TasksToRerun.Select(t => (JsonNode?)t).ToArray()),
        ["overlapping"] = new JsonArray(r.Overlapping.Select(p => (JsonNode?)new JsonArray(p.First.Name, p.Second.Name)).ToArray()),
        ["bad"] = new JsonArray(r.Bad.Select(b => (JsonNode?)new JsonObject { ["file"] = b.Shard.Name, ["problem"] = b.Problem }).ToArray()),
        ["outside"] = new JsonArray(r.Outside.Select(s => (JsonNode?)s.Name).ToArray()),
        ["partial"] = new JsonArray(r.Partial.Select(p => (JsonNode?)Path.GetFileName(p)).ToArray()),
    };

    private static void Describe(CliContext context, string output, TrajectorySetCheck r)
    {
        var console = context.Console;
        string range = Markup.Escape(TaskLayout.Describe(r.First, r.End));
        string tasks = r.Layout is null ? "" : $", {r.Layout.TaskCount} task(s)";
        if (r.Complete)
        {
            console.MarkupLine($"[green]complete[/]: [bold]{Markup.Escape(output)}[/] holds records {range} in {r.Present.Count:N0} shard(s){tasks}, " +
                "with no gap and no overlap");
        }
        else
        {
            console.MarkupLine($"[red]incomplete[/]: [bold]{Markup.Escape(output)}[/] holds {r.RecordsPresent:N0} of the {r.End - r.First:N0} records {range}{tasks}");
            foreach (var (shard, task) in r.Missing.Take(ListedInText))
                console.MarkupLine($"  missing {Markup.Escape(shard.Name)}" + (task is { } t ? $" (task {t})" : ""));
            if (r.Missing.Count > ListedInText) console.MarkupLine($"  ... and {r.Missing.Count - ListedInText:N0} more missing shard(s)");
            foreach (var (a, b) in r.Overlapping.Take(ListedInText))
                console.MarkupLine($"  overlapping: {Markup.Escape(a.Name)} and {Markup.Escape(b.Name)} (delete one)");
            foreach (var (shard, problem) in r.Bad.Take(ListedInText))
                console.MarkupLine($"  bad: {Markup.Escape(shard.Name)} {Markup.Escape(problem)} (delete it)");
            foreach (var shard in r.Outside.Take(ListedInText))
                console.MarkupLine($"  outside the set: {Markup.Escape(shard.Name)} ('dsno fit' reads every .idv file in the folder)");
            if (r.TasksToRerun.Count > 0)
                console.MarkupLine($"  rerun task(s) {string.Join(",", r.TasksToRerun.Select(t => t.ToString(CultureInfo.InvariantCulture)))} " +
                    $"(Slurm: sbatch --array={ArrayList(r.TasksToRerun)} with the same --task-count)");
        }
        if (r.Partial.Count > 0)
            console.MarkupLine($"  {r.Partial.Count} partial file(s) of stopped writers (harmless; the next run over their records removes them)");
    }

    // Slurm's array syntax: 1,3,5-7.
    private static string ArrayList(IReadOnlyList<int> tasks)
    {
        var parts = new List<string>();
        for (int i = 0; i < tasks.Count;)
        {
            int j = i;
            while (j + 1 < tasks.Count && tasks[j + 1] == tasks[j] + 1) j++;
            parts.Add(i == j ? tasks[i].ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{tasks[i]}-{tasks[j]}"));
            i = j + 1;
        }
        return string.Join(",", parts);
    }
}
