using System.Globalization;
using Dsno.Data;
using Dsno.Models;
using Dsno.Runtime;
using Dsno.Training;

namespace Dsno.Bench;

/// <summary>
/// Stage 3: trains every student of the main tables at the same budget (steps, batch, learning rate, seed), then the budget-curve
/// students; each run has its own checkpoint, and a student that is a snapshot of a longer run is written by that run.
/// </summary>
public static class StudentStage
{
    /// <summary>
    /// Trains the students whose model files are missing. Several processes may run this at once: each claims a run before training
    /// it (<see cref="RunClaim"/>), and each returns only when every student is on disk. <paramref name="moreRecords"/>: the
    /// trajectory-count lever's records (null when the configuration has no lever).
    /// </summary>
    public static void Run(BenchConfig config, BenchPaths paths, DiffusionTeacher teacher, TrajectoryShardSet records, TrajectoryShardSet? moreRecords,
        int threads, StageClock clock)
    {
        while (true)
        {
            var elsewhere = new List<string>();
            var seen = new HashSet<string>();
            foreach (var student in StudentSpec.TrainedIn(config))
            {
                var run = student.SnapshotOf is null ? student : StudentSpec.Get(student.SnapshotOf);
                if (!seen.Add(run.Id)) continue;
                var snapshots = StudentSpec.TrainedIn(config).Where(s => s.SnapshotOf == run.Id).ToList();
                bool Done() => snapshots.Append(run).All(s => File.Exists(paths.StudentModel(s.Id)));
                if (Done())
                {
                    BenchLog.Info($"student {run.Id}: {paths.StudentModel(run.Id)} exists, skipping");
                    continue;
                }
                using var claim = RunClaim.TryTake(paths.StudentClaim(run.Id));
                if (claim is null) { elsewhere.Add(run.Id); continue; }
                // Another process may have finished it between the check and the claim.
                if (Done()) continue;
                var source = run.RecordsFactor == 1 ? records
                    : moreRecords is { } more && more.Count == run.Records(config) ? more
                    : throw new InvalidOperationException($"student {run.Id} needs {run.Records(config)} records; the lever's set holds {moreRecords?.Count ?? 0}");
                Train(config, paths, teacher, source, run, snapshots, threads, clock);
                clock.Flush();
            }
            if (elsewhere.Count == 0) return;
            BenchLog.Info($"students: waiting for {string.Join(", ", elsewhere)} (claimed by another process)");
            Thread.Sleep(TimeSpan.FromSeconds(20));
            // Waiting is not this process's work on the stage.
            clock.Discard();
        }
    }

    /// <summary>Training options shared by every student.</summary>
    private static TrainingOptions Options(BenchConfig config, BenchPaths paths, StudentSpec spec, int threads) => new()
    {
        Steps = spec.Steps(config), BatchSize = config.StudentBatch, LearningRate = config.StudentLearningRate,
        WarmupSteps = config.StudentWarmup, LearningRateDecay = spec.Decay, EmaDecay = config.StudentEma, Seed = config.StudentSeed,
        CheckpointPath = paths.StudentCheckpoint(spec.Id), CheckpointInterval = 100, Threads = threads,
    };

    private static void Train(BenchConfig config, BenchPaths paths, DiffusionTeacher teacher, TrajectoryShardSet records, StudentSpec spec,
        IReadOnlyList<StudentSpec> snapshots, int threads, StageClock clock)
    {
        Action<Stream>? save = null;
        long parameters = 0;
        var options = Options(config, paths, spec, threads) with
        {
            SnapshotSteps = snapshots.Select(s => s.Steps(config)).ToArray(),
            // The run so far, with the averaged weights in the model: written as that student's files.
            Snapshot = snapshots.Count == 0 ? null : soFar =>
            {
                var student = snapshots.Single(s => s.Steps(config) == soFar.Losses.Count);
                Write(paths, student, Options(config, paths, student, threads), soFar, parameters, threads, save!);
            },
        };
        // The one-step baseline reads the last frame (t = 0) of the full records; DSNO reads its own grid.
        ITrajectorySource source = spec.IsDsno ? new FrameSubset(records, spec.Times) : records;
        string resuming = File.Exists(options.CheckpointPath) ? " (resuming)" : "";
        BenchLog.Info(string.Create(CultureInfo.InvariantCulture,
            $"student {spec.Id}: {options.Steps} steps of batch {options.BatchSize} on {records.Count} records, times [{string.Join(", ", spec.Times)}], {spec.Weighting} weights, {spec.Distance}, {spec.Decay} decay{resuming}"));
        TrainingResult result;
        if (spec.IsDsno)
        {
            // The temporal layers' initial weights come from the student seed, so a resumed run (another process history) trains the same model.
            using var model = DsnoModel.FromTeacher(teacher, spec.Times, seed: config.StudentSeed);
            (save, parameters) = (model.Save, model.Network.ParameterCount);
            result = model.Train(source, options, spec.Weighting, spec.Distance, TrainingLog.Progress("student " + spec.Id, options.CheckpointInterval, clock));
            Write(paths, spec, options, result, parameters, threads, model.Save);
        }
        else
        {
            using var model = OneStepDistillation.FromTeacher(teacher);
            (save, parameters) = (model.Save, model.Network.ParameterCount);
            result = model.Train(source, options, spec.Distance, TrainingLog.Progress("student " + spec.Id, options.CheckpointInterval, clock));
            Write(paths, spec, options, result, parameters, threads, model.Save);
        }
        File.Delete(options.CheckpointPath!);
    }

    /// <summary>A student's loss file and summary, then its model, written atomically last: the model's presence marks it done.</summary>
    private static void Write(BenchPaths paths, StudentSpec spec, TrainingOptions options, TrainingResult result, long parameters, int threads,
        Action<Stream> save)
    {
        int steps = result.Losses.Count;
        LossFile.Write(paths.StudentLoss(spec.Id), result.Losses);
        var (first, last) = result.LossTrend(50);
        JsonFiles.Write(paths.StudentInfo(spec.Id), new TrainingSummary(spec.Id, steps, options.BatchSize, options.LearningRate, options.WarmupSteps,
            options.EmaDecay, options.Seed, parameters, steps - result.ResumedFromStep, result.Elapsed.TotalSeconds, first, last, threads));
        AtomicFile.Write(paths.StudentModel(spec.Id), stream => save(stream));
        BenchLog.Info(string.Create(CultureInfo.InvariantCulture,
            $"student {spec.Id}: {(spec.SnapshotOf is null ? "done" : "snapshot of " + spec.SnapshotOf)} after {steps} steps, {result.Elapsed.TotalMinutes:0.0} min ({result.Elapsed.TotalSeconds / Math.Max(1, steps - result.ResumedFromStep):0.000} s/step), loss {first:0.0000} -> {last:0.0000}"));
    }
}
