using System.Globalization;
using Dsno.Data;
using Dsno.Models;
using Dsno.Training;

namespace Dsno.Bench;

/// <summary>Stage 1: trains the teacher (resuming from its checkpoint) or loads the finished one.</summary>
public static class TeacherStage
{
    /// <summary>Returns the trained teacher.</summary>
    public static DiffusionTeacher Run(BenchConfig config, BenchPaths paths, ImageSet train, int threads, StageClock clock)
    {
        if (File.Exists(paths.TeacherModel))
        {
            BenchLog.Info($"teacher: loading {paths.TeacherModel}");
            using var stream = File.OpenRead(paths.TeacherModel);
            return DiffusionTeacher.Load(stream);
        }

        var teacher = new DiffusionTeacher(config.Architecture);
        var options = new TrainingOptions
        {
            Steps = config.TeacherSteps, BatchSize = config.TeacherBatch, LearningRate = config.TeacherLearningRate,
            WarmupSteps = config.TeacherWarmup, EmaDecay = config.TeacherEma, Seed = config.TeacherSeed,
            CheckpointPath = paths.TeacherCheckpoint, CheckpointInterval = 100, Threads = threads,
        };
        string resuming = File.Exists(options.CheckpointPath) ? $" (resuming from {options.CheckpointPath})" : "";
        BenchLog.Info(string.Create(CultureInfo.InvariantCulture,
            $"teacher: training {teacher.Network.ParameterCount:N0} parameters on {train.Count} images, {options.Steps} steps of batch {options.BatchSize}{resuming}"));
        var result = teacher.Train(train, options, TrainingLog.Progress("teacher", options.CheckpointInterval, clock));

        LossFile.Write(paths.TeacherLoss, result.Losses);
        var (first, last) = result.LossTrend(50);
        JsonFiles.Write(paths.TeacherInfo, new TrainingSummary("teacher", options.Steps, options.BatchSize, options.LearningRate, options.WarmupSteps,
            options.EmaDecay, options.Seed, teacher.Network.ParameterCount, options.Steps - result.ResumedFromStep, result.Elapsed.TotalSeconds, first, last, threads));
        string temporary = paths.TeacherModel + ".tmp";
        using (var stream = File.Create(temporary)) teacher.Save(stream);
        File.Move(temporary, paths.TeacherModel, overwrite: true);
        File.Delete(paths.TeacherCheckpoint);
        BenchLog.Info(string.Create(CultureInfo.InvariantCulture, $"teacher: done in {result.Elapsed.TotalMinutes:0.0} min, loss {first:0.0000} -> {last:0.0000}"));
        return teacher;
    }
}
