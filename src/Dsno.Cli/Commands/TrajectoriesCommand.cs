namespace Dsno.Cli.Commands;

/// <summary>
/// <c>dsno trajectories</c>: solves the teacher's probability-flow ODE from the noise of records [first, first + count) and writes the
/// records (Noise, Trajectory with its Times annotation, Image, and Label for a conditional teacher) as one <c>.idv</c> file per shard.
/// Record i depends only on (seed, i), and shards are cut at multiples of the shard size, so seed ranges can be spread over machines
/// and an interrupted run resumes: complete shards are skipped, a shard is written under a temporary name and renamed when whole.
/// As a task of a job array (<c>--task-index</c>/<c>--task-count</c>, or a Slurm array task's or Kubernetes indexed Job's environment) it
/// writes its share of the set's shards; <c>--check</c> tells whether the folder holds the whole set. With <c>--guidance-range MIN,MAX</c>
/// record i is solved at its own classifier-free guidance scale, drawn for (seed, i) too, and the shards keep it in a <c>Guidance</c>
/// column, from which <c>dsno fit</c> makes a DSNO that takes w as an input.
/// </summary>
public sealed class TrajectoriesCommand : Command
{
    private readonly Option<string?> teacher = CliOptions.OptionalPath("--teacher", "Teacher model zip written by 'dsno teacher' (required unless --check).");
    private readonly Option<int?> count = CliOptions.OptionalInt("--count", "Records in the set (required unless --check finds them in the task layout).");
    private readonly Option<long> first = CliOptions.Long("--first", 0, "Index of the first record (for spreading a large set over machines by seed range).");
    private readonly Option<int?> taskIndex = CliOptions.OptionalInt("--task-index", $"This job-array task's index from 0 (default: ${ArrayTask.SlurmTaskId}, else ${ArrayTask.KubernetesIndex}).", min: 0);
    private readonly Option<int?> taskCount = CliOptions.OptionalInt("--task-count", $"Tasks the set is split over, whole shards each (default: ${ArrayTask.SlurmTaskCount}).");
    private readonly Option<bool> check = CliOptions.Flag("--check", "Only check that --out holds the whole set (no gap, no overlap, no bad shard) and list what is missing; exit code 4 if not.");
    private readonly Option<string?> solver = CommonOptions.Solver();
    private readonly Option<int?> solverSteps = CommonOptions.SolverSteps();
    private readonly Option<int?> frames = CliOptions.OptionalInt("--frames", "Frames per trajectory M on the quadratic grid t_j = (j/M)^2 (default: the teacher's).", min: 2);
    private readonly Option<float[]?> times = CliOptions.FloatList("--times", "Explicit frame times, strictly decreasing, ending at 0, e.g. 0.5625,0.25,0.0625,0.");
    private readonly Option<bool> uniform = CliOptions.Flag("--uniform", "Evenly spaced frame times t_j = j/M instead of the quadratic grid.");
    private readonly Option<double?> guidance = CommonOptions.Guidance("Classifier-free guidance scale w of the solver (class-conditional teachers trained with label dropout; default: the teacher's). Recorded in the Guidance annotation.");
    private readonly Option<(float Min, float Max)?> guidanceRange = CommonOptions.GuidanceRange("Instead of one w: solve record i at its own w, drawn uniformly from [MIN, MAX] for (seed, i), and keep it in a Guidance column; 'dsno fit' then makes a DSNO that takes w as an input. E.g. 0,4.");
    private readonly Option<int> seed = CommonOptions.Seed("Seed of the noise: record i uses the noise drawn for (seed, i).");
    private readonly Option<int> shardSize = CliOptions.Int("--shard-size", 1024, "Records per .idv file; shard k holds records [k S, (k+1) S).");
    private readonly Option<int> threads = CommonOptions.Threads();
    private readonly Option<string> output = CliOptions.RequiredPath("--out", "Folder for the .idv shards.");

    /// <summary>Creates the verb.</summary>
    public TrajectoriesCommand(CliContext context) : base("trajectories", "Generate teacher trajectories as sharded, resumable .idv files.")
    {
        foreach (var option in new Option[] { teacher, count, first, taskIndex, taskCount, check, solver, solverSteps, frames, times, uniform,
            guidance, guidanceRange, seed, shardSize, threads, output }) Options.Add(option);
        SetAction(r => Execute(context, r));
    }

    private int Execute(CliContext context, ParseResult r)
    {
        string? teacherPath = r.GetValue(teacher), output = r.GetValue(this.output)!;
        long first = r.GetValue(this.first);
        var times = CommonOptions.NonEmpty(r.GetValue(this.times));
        if (r.GetValue(check)) return TrajectoryCheckCommand.Execute(context, output, teacherPath, r.GetValue(count), first, r.GetValue(taskIndex), r.GetValue(taskCount));
        if (teacherPath is null) throw new UsageException("--teacher is required: the teacher model zip written by 'dsno teacher'");
        if (r.GetValue(count) is not { } setCount) throw new UsageException("--count is required: the number of records in the set");
        if (r.GetValue(frames) is not null && times is not null) throw new UsageException("give either --frames or --times, not both");
        if (r.GetValue(uniform) && times is not null) throw new UsageException("--uniform picks the grid of --frames; with --times the times are given");
        if (first > long.MaxValue - setCount) throw new UsageException("--first + --count is too large");
        if (r.GetValue(guidance) is not null && r.GetValue(guidanceRange) is not null)
            throw new UsageException("give either --guidance (one w for every record) or --guidance-range (a w per record), not both");
        // As a task of a job array: this task's share of the set, in whole shards.
        var task = ArrayTask.Resolve(r.GetValue(taskIndex), r.GetValue(taskCount), context.EnvironmentVariable);
        var layout = task is null ? null : new TaskLayout(first, setCount, task.Count);
        layout?.Validate(r.GetValue(shardSize));
        var (rangeFirst, rangeEnd) = task is null ? (first, first + setCount) : layout!.TaskRange(task.Index, r.GetValue(shardSize));
        long rangeCount = rangeEnd - rangeFirst;
        CommonOptions.ApplyThreads(r.GetValue(threads));
        var ml = new MLContext(seed: r.GetValue(seed));
        var loaded = ModelFiles.LoadTeacher(ml, "--teacher", teacherPath);
        var grid = FrameGrid(loaded, times, r.GetValue(frames), r.GetValue(uniform));
        var range = r.GetValue(guidanceRange);
        if (range is { } w) CheckGuidable(loaded, teacherPath, w);
        DiffusionTeacherTransformer sampler;
        // With a range, every record's w comes from the noise's Guidance column; the transformer's own w is then unused (0).
        try { sampler = loaded.WithSampler(CommonOptions.ParseSolver(r.GetValue(solver)) ?? loaded.Solver, r.GetValue(solverSteps) ?? loaded.SolverSteps, grid, range is null ? r.GetValue(guidance) : 0); }
        catch (ArgumentException e) { throw new BadInputException($"cannot sample '{teacherPath}' that way: {ErrorMapper.OneLine(e.Message)}", e); }

        var a = sampler.Teacher.Architecture;
        var manifest = new TrajectoryShardFolder.Manifest(TrajectoryShardFolder.Sha256(teacherPath), sampler.Solver.ToCoreName(), sampler.SolverSteps,
            sampler.Frames.Times, r.GetValue(seed), r.GetValue(shardSize), a.Channels, a.Height, a.Width, sampler.ClassCount, Guidance: (float)sampler.GuidanceScale,
            GuidanceRange: range is { } g ? new[] { g.Min, g.Max } : null);
        var folder = TrajectoryFiles.OutFolder(() => TrajectoryShardFolder.Open(output, manifest));
        layout?.RecordIn(folder);
        var (_, todo) = TrajectoryFiles.OutFolder(() => folder.Plan(ml, rangeFirst, rangeCount));
        long skipped = rangeCount - todo.Sum(t => t.Count);
        context.InterruptedHint = $"complete shards are kept in '{output}'; rerun the same command to generate the rest";

        var clock = Stopwatch.StartNew();
        int passesBefore = sampler.ForwardPasses;
        ProgressRenderer.Run(context, board =>
        {
            var bar = board.Add("trajectories", $"trajectories ({sampler.Solver}, {sampler.SolverSteps} steps)", rangeCount, "records");
            bar.SetAlreadyDone(skipped);
            long written = skipped;
            bar.Report(written);
            foreach (var shard in todo)
            {
                long before = written;
                // Written under a temporary name and renamed when whole, with the settings in the shard itself.
                folder.WriteShard(ml, sampler, shard, new RowProgress(n => bar.Report(before + n)), context.CancellationToken);
                written += shard.Count;
                bar.Report(written);
            }
            bar.Complete();
            return 0;
        });
        context.InterruptedHint = null;
        clock.Stop();

        long generated = rangeCount - skipped;
        var files = folder.CompleteShards().Where(f => f.End > rangeFirst && f.First < rangeEnd).Select(f => f.File).ToList();
        context.Result(new JsonObject
        {
            ["command"] = "trajectories",
            ["out"] = Path.GetFullPath(output),
            ["first"] = rangeFirst,
            ["count"] = rangeCount,
            ["task"] = task is null ? null : new JsonObject
            {
                ["index"] = task.Index,
                ["count"] = task.Count,
                ["indexFrom"] = task.IndexFrom,
                ["countFrom"] = task.CountFrom,
                ["setFirst"] = first,
                ["setCount"] = setCount,
            },
            ["generated"] = generated,
            ["skipped"] = skipped,
            ["shards"] = new JsonArray(files.Select(f => (JsonNode?)JsonValue.Create(Path.GetFullPath(f))).ToArray()),
            ["solver"] = sampler.Solver.ToCoreName(),
            ["solverSteps"] = sampler.SolverSteps,
            ["times"] = new JsonArray(sampler.Frames.Times.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            ["seed"] = r.GetValue(seed),
            ["guidance"] = range is null ? sampler.GuidanceScale : null,
            ["guidanceRange"] = range is { } g2 ? new JsonArray(g2.Min, g2.Max) : null,
            ["forwardPasses"] = sampler.ForwardPasses - passesBefore,
            ["seconds"] = clock.Elapsed.TotalSeconds,
            ["recordsPerSecond"] = CliContext.Number(generated / Math.Max(clock.Elapsed.TotalSeconds, 1e-9)),
        }, () =>
        {
            context.Console.MarkupLine((task is null ? "" : $"{Markup.Escape(task.ToString())}: ") +
                $"[green]{generated:N0} trajectories written[/] to [bold]{Markup.Escape(output)}[/]" +
                (skipped > 0 ? $" ({skipped:N0} already there)" : "") +
                $": records {rangeFirst:N0}..{rangeEnd - 1:N0} in {files.Count} shard(s), frames at {Markup.Escape(sampler.Frames.ToString())}, " +
                (range is { } g3 ? $"w per record in {Markup.Escape(CommonOptions.Format(g3))}, " : sampler.GuidanceScale > 0 ? $"w = {sampler.GuidanceScale:G6}, " : "") +
                $"{clock.Elapsed.TotalSeconds:0.0} s");
        });
        return ExitCodes.Success;
    }

    /// <summary><c>--guidance-range</c> needs a teacher that can be guided: class-conditional, trained with label dropout.</summary>
    private static void CheckGuidable(DiffusionTeacherTransformer teacher, string path, (float Min, float Max) range)
    {
        string option = $"--guidance-range {CommonOptions.Format(range)}";
        if (teacher.ClassCount == 0)
            throw new BadInputException($"{option}: the teacher '{path}' is unconditional and cannot be guided; train one with 'dsno teacher --conditional'");
        if (!teacher.Teacher.SupportsGuidance)
            throw new BadInputException($"{option}: the teacher '{path}' was trained without label dropout, so it has no null class to guide with; train it with --label-dropout > 0");
        if (teacher.GuidanceColumnName != DsnoColumnNames.Guidance)
            throw new BadInputException($"{option}: the teacher '{path}' reads no per-record guidance column '{DsnoColumnNames.Guidance}'; save it with GuidanceColumnName = \"{DsnoColumnNames.Guidance}\"");
    }

    private static TimeGrid FrameGrid(DiffusionTeacherTransformer teacher, float[]? times, int? frames, bool uniform)
    {
        if (times is not null)
        {
            foreach (float t in times)
                if (!float.IsFinite(t) || t < 0 || t >= 1)
                    throw new BadInputException($"--times value {t.ToString(System.Globalization.CultureInfo.InvariantCulture)} is outside [0, 1): frames lie between the noise (t = 1, not recorded) and the data (t = 0)");
            try { return TimeGrid.FromTimes(times); }
            catch (ArgumentException e)
            {
                throw new BadInputException($"--times {string.Join(",", times.Select(t => t.ToString(System.Globalization.CultureInfo.InvariantCulture)))} is not a frame grid: {ErrorMapper.OneLine(e.Message)}; give strictly decreasing times ending at 0", e);
            }
        }
        int m = frames ?? teacher.Frames.Count;
        if (uniform) return TimeGrid.Uniform(m);
        return frames is null ? teacher.Frames : TimeGrid.Quadratic(m);
    }
}
