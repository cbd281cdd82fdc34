using Dsno.Data;
using Dsno.Diffusion;
using Dsno.Models;
using Dsno.Networks;
using Dsno.Training;
using TorchSharp;

namespace Dsno.Tests;

/// <summary>Tiny architectures and budgets shared by the tests, so that the whole suite stays within minutes on 2 cores.</summary>
internal static class TinyModels
{
    public static UNetOptions Digits(int classes = 0) => new()
    {
        Channels = 1, Height = 8, Width = 8, BaseChannels = 16, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 1,
        AttentionResolutions = new[] { 4 }, Dropout = 0, NumClasses = classes, GroupNormGroups = 8,
    };

    public static TrainingOptions Budget(int steps, int seed = 1, string? checkpoint = null, int interval = 0) => new()
    {
        Steps = steps, BatchSize = 32, LearningRate = 2e-3, WarmupSteps = 5, EmaDecay = 0.9, Seed = seed, Threads = 1,
        CheckpointPath = checkpoint, CheckpointInterval = interval,
    };

    /// <summary>A teacher trained briefly on the digits (shared and cached per process: tests only read it).</summary>
    public static DiffusionTeacher Teacher(int classes = 0)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(classes, out var teacher))
            {
                torch.set_num_threads(1);
                teacher = new DiffusionTeacher(Digits(classes));
                teacher.Train(Dsno.Data.Digits.Load(), Budget(40, seed: 3));
                Cache[classes] = teacher;
            }
            return teacher;
        }
    }

    private static readonly Dictionary<int, DiffusionTeacher> Cache = new();

    public static TrajectoryGenerationOptions Generation(int batch = 16, int shard = 16) => new()
    {
        Solver = "ddim", Steps = 8, FrameTimes = FrameTimes.Quadratic(4), Seed = 11, BatchSize = batch, ShardSize = shard,
    };

    public static string TempDir() => TempFolder.NewPath();

    public static bool SameWeights(torch.nn.Module a, torch.nn.Module b)
    {
        var sb = b.state_dict();
        return a.state_dict().All(kv => torch.equal(kv.Value, sb[kv.Key]).all().item<bool>());
    }
}
