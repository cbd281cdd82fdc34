using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Dsno.Cli.Infrastructure;
using Dsno.MLNet;
using Microsoft.ML;
using Spectre.Console;

namespace Dsno.Cli.Commands;

/// <summary>
/// <c>dsno trajectories</c>: solves the teacher's probability-flow ODE from the noise of records [first, first + count) and writes the
/// records (Noise, Trajectory with its Times annotation, Image, and Label for a conditional teacher) as one <c>.idv</c> file per shard.
/// Record i depends only on (seed, i), and shards are cut at multiples of the shard size, so seed ranges can be spread over machines
/// and an interrupted run resumes: complete shards are skipped, a shard is written under a temporary name and renamed when whole.
/// </summary>
public static class TrajectoriesCommand
{
    /// <summary>Creates the verb.</summary>
    public static Command Create(CliContext context)
    {
        var teacher = CliOptions.RequiredPath("--teacher", "Teacher model zip written by 'dsno teacher'.");
        var count = CliOptions.RequiredInt("--count", "Records to generate.");
        var first = CliOptions.Long("--first", 0, "Index of the first record (for spreading a large set over machines by seed range).");
        var solver = CommonOptions.Solver();
        var solverSteps = CommonOptions.SolverSteps();
        var frames = CliOptions.OptionalInt("--frames", "Frames per trajectory M on the quadratic grid t_j = (j/M)^2 (default: the teacher's).", min: 2);
        var times = CliOptions.FloatList("--times", "Explicit frame times, strictly decreasing, ending at 0, e.g. 0.5625,0.25,0.0625,0.");
        var uniform = CliOptions.Flag("--uniform", "Evenly spaced frame times t_j = j/M instead of the quadratic grid.");
        var seed = CommonOptions.Seed("Seed of the noise: record i uses the noise drawn for (seed, i).");
        var shardSize = CliOptions.Int("--shard-size", 1024, "Records per .idv file; shard k holds records [k S, (k+1) S).");
        var threads = CommonOptions.Threads();
        var output = CliOptions.RequiredPath("--out", "Folder for the .idv shards.");

        var command = new Command("trajectories", "Generate teacher trajectories as sharded, resumable .idv files.")
        {
            teacher, count, first, solver, solverSteps, frames, times, uniform, seed, shardSize, threads, output,
        };
        command.SetAction(r => Execute(context, new Settings(r.GetValue(teacher)!, r.GetValue(count), r.GetValue(first), r.GetValue(solver),
            r.GetValue(solverSteps), r.GetValue(frames), CommonOptions.NonEmpty(r.GetValue(times)), r.GetValue(uniform), r.GetValue(seed), r.GetValue(shardSize),
            r.GetValue(threads), r.GetValue(output)!)));
        return command;
    }

    private sealed record Settings(string Teacher, int Count, long First, string? Solver, int? SolverSteps, int? Frames, float[]? Times,
        bool Uniform, int Seed, int ShardSize, int Threads, string Out);

    private static int Execute(CliContext context, Settings s)
    {
        if (s.Frames is not null && s.Times is not null) throw new UsageException("give either --frames or --times, not both");
        if (s.Uniform && s.Times is not null) throw new UsageException("--uniform picks the grid of --frames; with --times the times are given");
        if (s.First > long.MaxValue - s.Count) throw new UsageException("--first + --count is too large");
        CommonOptions.ApplyThreads(s.Threads);
        var ml = new MLContext(seed: s.Seed);
        var loaded = ModelFiles.LoadTeacher(ml, "--teacher", s.Teacher);
        var grid = FrameGrid(loaded, s);
        DiffusionTeacherTransformer sampler;
        try { sampler = loaded.WithSampler(CommonOptions.ParseSolver(s.Solver) ?? loaded.Solver, s.SolverSteps ?? loaded.SolverSteps, grid); }
        catch (ArgumentException e) { throw new BadInputException($"cannot sample '{s.Teacher}' that way: {ErrorMapper.OneLine(e.Message)}", e); }

        var a = sampler.Teacher.Architecture;
        int? classes = sampler.ClassCount > 0 ? sampler.ClassCount : null;
        var manifest = new TrajectoryFolder.Manifest(TrajectoryFolder.Sha256(s.Teacher), sampler.Solver.ToCoreName(), sampler.SolverSteps,
            sampler.Frames.Times, s.Seed, s.ShardSize, a.Channels, a.Height, a.Width, sampler.ClassCount);
        var folder = TrajectoryFolder.Open(s.Out, manifest);
        var todo = folder.Missing(s.First, s.Count, s.ShardSize);
        long skipped = s.Count - todo.Sum(t => t.Count);
        context.InterruptedHint = $"complete shards are kept in '{s.Out}'; rerun the same command to generate the rest";

        var clock = Stopwatch.StartNew();
        int passesBefore = sampler.ForwardPasses;
        ProgressRenderer.Run(context, board =>
        {
            var bar = board.Add("trajectories", $"trajectories ({sampler.Solver}, {sampler.SolverSteps} steps)", s.Count, "records");
            bar.SetAlreadyDone(skipped);
            long done = skipped;
            bar.Report(done);
            foreach (var shard in todo)
            {
                long before = done;
                var noise = NoiseView.Create(ml, shard.First, (int)shard.Count, a.Channels, a.Height, a.Width, s.Seed, classes,
                    onRow: n => bar.Report(before + n), cancellationToken: context.CancellationToken);
                // Each shard is written under a temporary name and renamed when whole.
                ImageGeneration.WriteIdv(ml, sampler.Transform(noise), shard.File, context.CancellationToken);
                done += shard.Count;
                bar.Report(done);
            }
            bar.Complete();
            return 0;
        });
        context.InterruptedHint = null;
        clock.Stop();

        long generated = s.Count - skipped;
        var files = folder.CompleteShards().Where(f => f.End > s.First && f.First < s.First + s.Count).Select(f => f.File).ToList();
        context.Result(new JsonObject
        {
            ["command"] = "trajectories",
            ["out"] = CommonOptions.Full(s.Out),
            ["first"] = s.First,
            ["count"] = s.Count,
            ["generated"] = generated,
            ["skipped"] = skipped,
            ["shards"] = new JsonArray(files.Select(f => (JsonNode?)JsonValue.Create(CommonOptions.Full(f))).ToArray()),
            ["solver"] = sampler.Solver.ToCoreName(),
            ["solverSteps"] = sampler.SolverSteps,
            ["times"] = new JsonArray(sampler.Frames.Times.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            ["seed"] = s.Seed,
            ["forwardPasses"] = sampler.ForwardPasses - passesBefore,
            ["seconds"] = clock.Elapsed.TotalSeconds,
            ["recordsPerSecond"] = CliContext.Number(generated / Math.Max(clock.Elapsed.TotalSeconds, 1e-9)),
        }, () =>
        {
            context.Console.MarkupLine($"[green]{generated:N0} trajectories written[/] to [bold]{Markup.Escape(s.Out)}[/]" +
                (skipped > 0 ? $" ({skipped:N0} already there)" : "") +
                $": records {s.First:N0}..{s.First + s.Count - 1:N0} in {files.Count} shard(s), frames at {Markup.Escape(sampler.Frames.ToString())}, " +
                $"{clock.Elapsed.TotalSeconds:0.0} s");
        });
        return ExitCodes.Success;
    }

    private static TimeGrid FrameGrid(DiffusionTeacherTransformer teacher, Settings s)
    {
        if (s.Times is { } times)
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
        int m = s.Frames ?? teacher.Frames.Count;
        if (s.Uniform) return TimeGrid.Uniform(m);
        return s.Frames is null ? teacher.Frames : TimeGrid.Quadratic(m);
    }
}
