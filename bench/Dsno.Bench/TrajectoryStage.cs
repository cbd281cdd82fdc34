using System.Globalization;
using Dsno.Data;
using Dsno.Diffusion;
using Dsno.Models;

namespace Dsno.Bench;

/// <summary>
/// Stage 2: the training records, generated once on the union of every grid a student needs (the quadratic M = 8 grid contains the
/// quadratic M = 4 and M = 2 grids; the uniform M = 4 grid adds 0.75 and 0.5). Each student reads its own frames through a
/// <see cref="FrameSubset"/>. Generation resumes shard by shard. The trajectory-count lever's larger set extends the same records (same seed,
/// same folder): its first records are the main set's.
/// </summary>
public static class TrajectoryStage
{
    /// <summary>The union grid, decreasing, last 0.</summary>
    public static double[] UnionTimes() =>
        FrameTimes.Quadratic(8).Concat(FrameTimes.Uniform(4))
            .Select(t => Math.Round(t, 12)).Distinct().OrderByDescending(t => t).ToArray();

    /// <summary>Generation options of the training records (also used for the reference solve of the held-out noises).</summary>
    public static TrajectoryGenerationOptions Options(BenchConfig config) => new()
    {
        Solver = config.ReferenceSolver, Steps = config.ReferenceSteps, FrameTimes = UnionTimes(), Seed = config.TrajectorySeed,
        BatchSize = config.TrajectoryBatch, ShardSize = 1024,
    };

    /// <summary>Model evaluations per trajectory of the reference solver with the frame times inserted into its step list.</summary>
    public static int EvaluationsPerTrajectory(DiffusionTeacher teacher, BenchConfig config) =>
        Samplers.Evaluations(config.ReferenceSolver,
            StepTimes.WithFrames(teacher.DefaultStepTimes(config.ReferenceSolver, config.ReferenceSteps), UnionTimes()).Length - 1);

    private sealed class ShardClock(IProgress<GenerationProgress> inner, int shardSize, StageClock clock) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value)
        {
            inner.Report(value);
            if (value.Done > value.Skipped && (value.Done % shardSize == 0 || value.Done == value.Total)) clock.Flush();
        }
    }

    /// <summary>Generates what is missing of the first <paramref name="count"/> records and returns them as one opened shard set.</summary>
    public static TrajectoryShardSet Run(BenchConfig config, BenchPaths paths, DiffusionTeacher teacher, int count, int threads, StageClock stageClock)
    {
        var options = Options(config);
        int evaluations = EvaluationsPerTrajectory(teacher, config);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long generated = 0;
        var progress = BenchLog.Throttled<GenerationProgress>(p =>
        {
            generated = p.Done - p.Skipped;
            string rate = "";
            if (generated > 0)
            {
                double perRecord = clock.Elapsed.TotalSeconds / generated;
                rate = string.Create(CultureInfo.InvariantCulture, $", {perRecord * 1000:0.0} ms/record, about {perRecord * (p.Total - p.Done) / 60:0.0} min left");
            }
            return $"trajectories: {p.Done}/{p.Total} records ({p.Skipped} already on disk){rate}";
        }, p => p.Done == p.Total, seconds: 30);
        BenchLog.Info(string.Create(CultureInfo.InvariantCulture,
            $"trajectories: {count} records, {options.Solver} {options.Steps} steps + frame times = {evaluations} evaluations each, frames at [{string.Join(", ", options.FrameTimes.Select(t => t.ToString("0.######", CultureInfo.InvariantCulture)))}]"));
        // Count the stage's time shard by shard: a shard is on disk once its last record is reported.
        var flushing = new ShardClock(progress, options.ShardSize, stageClock);
        // Only the shards of [0, count): the folder may also hold the lever's further records.
        var files = TrajectoryGenerator.WriteShards(teacher, options, paths.TrajectoryFolder, 0, count, flushing);
        clock.Stop();

        string info = paths.TrajectoryInfoOf(count, config.TrajectoryCount);
        var previous = JsonFiles.Read<TrajectorySummary>(info);
        if (generated > 0 || previous is null)
        {
            JsonFiles.Write(info, new TrajectorySummary(count, options.Solver, options.Steps, evaluations,
                options.FrameTimes.ToArray(), options.Seed, generated, clock.Elapsed.TotalSeconds, threads));
        }
        return TrajectoryShardSet.Open(files);
    }
}
