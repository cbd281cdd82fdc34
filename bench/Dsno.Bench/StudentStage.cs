using System.Globalization;
using Dsno.Data;
using Dsno.Models;
using Dsno.Training;

namespace Dsno.Bench;

/// <summary>
/// Stage 3: trains every student of the main tables at the same budget (steps, batch, learning rate, seed), then the budget-curve
/// students; each has its own checkpoint.
/// </summary>
public static class StudentStage
{
    /// <summary>Trains the students whose final model file is missing.</summary>
    public static void Run(BenchConfig config, BenchPaths paths, DiffusionTeacher teacher, TrajectoryShardSet records, int threads, StageClock clock)
    {
        foreach (var spec in StudentSpec.Trained)
        {
            if (File.Exists(paths.StudentModel(spec.Id)))
            {
                BenchLog.Info($"student {spec.Id}: {paths.StudentModel(spec.Id)} exists, skipping");
                continue;
            }
            Train(config, paths, teacher, records, spec, threads, clock);
            clock.Flush();
        }
    }

    /// <summary>Training options shared by every student.</summary>
    private static TrainingOptions Options(BenchConfig config, BenchPaths paths, StudentSpec spec, int threads) => new()
    {
        Steps = spec.Steps(config), BatchSize = config.StudentBatch, LearningRate = config.StudentLearningRate,
        WarmupSteps = config.StudentWarmup, LearningRateDecay = spec.Decay, EmaDecay = config.StudentEma, Seed = config.StudentSeed,
        CheckpointPath = paths.StudentCheckpoint(spec.Id), CheckpointInterval = 100, Threads = threads,
    };

    private static void Train(BenchConfig config, BenchPaths paths, DiffusionTeacher teacher, TrajectoryShardSet records, StudentSpec spec, int threads, StageClock clock)
    {
        var options = Options(config, paths, spec, threads);
        // The one-step baseline reads the last frame (t = 0) of the full records; DSNO reads its own grid.
        ITrajectorySource source = spec.IsDsno ? new FrameSubset(records, spec.Times) : records;
        string resuming = File.Exists(options.CheckpointPath) ? " (resuming)" : "";
        BenchLog.Info(string.Create(CultureInfo.InvariantCulture,
            $"student {spec.Id}: {options.Steps} steps of batch {options.BatchSize} on {records.Count} records, times [{string.Join(", ", spec.Times)}], {spec.Weighting} weights, {spec.Distance}, {spec.Decay} decay{resuming}"));
        TrainingResult result;
        long parameters;
        string temporary = paths.StudentModel(spec.Id) + ".tmp";
        if (spec.IsDsno)
        {
            // The temporal layers' initial weights come from the student seed, so a resumed run (another process history) trains the same model.
            using var model = DsnoModel.FromTeacher(teacher, spec.Times, seed: config.StudentSeed);
            result = model.Train(source, options, spec.Weighting, spec.Distance, TrainingLog.Progress("student " + spec.Id, options.CheckpointInterval, clock));
            parameters = model.Network.ParameterCount;
            using var stream = File.Create(temporary);
            model.Save(stream);
        }
        else
        {
            using var model = OneStepDistillation.FromTeacher(teacher);
            result = model.Train(source, options, spec.Distance, TrainingLog.Progress("student " + spec.Id, options.CheckpointInterval, clock));
            parameters = model.Network.ParameterCount;
            using var stream = File.Create(temporary);
            model.Save(stream);
        }
        LossFile.Write(paths.StudentLoss(spec.Id), result.Losses);
        var (first, last) = result.LossTrend(50);
        JsonFiles.Write(paths.StudentInfo(spec.Id), new TrainingSummary(spec.Id, options.Steps, options.BatchSize, options.LearningRate, options.WarmupSteps,
            options.EmaDecay, options.Seed, parameters, options.Steps - result.ResumedFromStep, result.Elapsed.TotalSeconds, first, last, threads));
        File.Move(temporary, paths.StudentModel(spec.Id), overwrite: true);
        File.Delete(options.CheckpointPath!);
        BenchLog.Info(string.Create(CultureInfo.InvariantCulture,
            $"student {spec.Id}: done in {result.Elapsed.TotalMinutes:0.0} min ({result.Elapsed.TotalSeconds / Math.Max(1, options.Steps - result.ResumedFromStep):0.000} s/step), loss {first:0.0000} -> {last:0.0000}"));
    }
}
