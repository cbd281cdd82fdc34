using Dsno.Data;
using Dsno.Diffusion;
using Dsno.Models;
using Dsno.Networks;
using Dsno.Training;
using TorchSharp;

namespace Dsno.ModelHost;

/// <summary>
/// Long jobs for the kill-and-resume tests: each prints a line per unit of work (flushed), so a test can kill the process with
/// SIGKILL at a chosen point, rerun the same command and compare the result with an uninterrupted run's.
/// Usage: <c>--job teacher &lt;checkpoint&gt; &lt;steps&gt; &lt;out&gt;</c>, <c>--job generate &lt;teacher&gt; &lt;dir&gt; &lt;count&gt; &lt;shard&gt;</c>,
/// <c>--job dsno &lt;teacher&gt; &lt;shards&gt; &lt;checkpoint&gt; &lt;steps&gt; &lt;out&gt;</c>.
/// </summary>
internal static class InterruptibleJobs
{
    public static UNetOptions Architecture => new()
    {
        Channels = 1, Height = 8, Width = 8, BaseChannels = 16, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 1,
        AttentionResolutions = new[] { 4 }, GroupNormGroups = 8,
    };

    private static TrainingOptions Budget(int steps, string checkpoint) => new()
    {
        Steps = steps, BatchSize = 16, LearningRate = 2e-3, WarmupSteps = 3, EmaDecay = 0.9, Seed = 4, Threads = 1,
        CheckpointPath = checkpoint, CheckpointInterval = 1,
    };

    private static readonly IProgress<TrainingProgress> StepLines = new Line<TrainingProgress>(p => $"step {p.Step}");

    public static int Run(string[] args)
    {
        torch.set_num_threads(1);
        switch (args)
        {
            case ["teacher", var checkpoint, var steps, var output]:
            {
                using var teacher = new DiffusionTeacher(Architecture, seed: 4);
                teacher.Train(Digits.Load(), Budget(int.Parse(steps), checkpoint), StepLines);
                using var file = File.Create(output);
                teacher.Save(file);
                return 0;
            }
            case ["generate", var teacherPath, var directory, var count, var shard]:
            {
                using var teacher = LoadTeacher(teacherPath);
                var options = new TrajectoryGenerationOptions { Solver = "ddim", Steps = 6, Seed = 8, BatchSize = 4, ShardSize = int.Parse(shard) };
                TrajectoryGenerator.WriteShards(teacher, options, directory, 0, int.Parse(count), new Line<GenerationProgress>(p => $"done {p.Done}"));
                return 0;
            }
            case ["dsno", var teacherPath, var shards, var checkpoint, var steps, var output]:
            {
                using var teacher = LoadTeacher(teacherPath);
                using var data = TrajectoryShardSet.Open(shards);
                using var model = DsnoModel.FromTeacher(teacher, data.Layout.FrameTimes, seed: 4);
                model.Train(data, Budget(int.Parse(steps), checkpoint) with { GradientClipNorm = 0 }, FrameWeighting.SqrtSnr, StepLines);
                using var file = File.Create(output);
                model.Save(file);
                return 0;
            }
            default:
                Console.Error.WriteLine("usage: --job teacher|generate|dsno ...");
                return 1;
        }
    }

    private static DiffusionTeacher LoadTeacher(string path)
    {
        using var stream = File.OpenRead(path);
        return DiffusionTeacher.Load(stream);
    }

    private sealed class Line<T>(Func<T, string> format) : IProgress<T>
    {
        public void Report(T value)
        {
            Console.Out.WriteLine(format(value));
            Console.Out.Flush();
        }
    }
}
