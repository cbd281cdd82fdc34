using Dsno.Data;
using Dsno.Diffusion;
using Dsno.Models;
using TorchSharp;

namespace Dsno.Tests.Trajectories;

/// <summary>Classifier-free guidance in the core's shard route: records solved at w, w recorded per shard, resumes checked against it.</summary>
public class GuidedShardTests
{
    private static DiffusionTeacher GuidableTeacher() => new(TinyModels.Digits(classes: 3) with { NullClass = true }, seed: 4);

    [Fact]
    public void GuidedShardsHoldTheGuidedSolveAndRecordTheScale()
    {
        torch.set_num_threads(1);
        using var teacher = GuidableTeacher();
        var options = TinyModels.Generation(batch: 8, shard: 8) with { GuidanceScale = 1.5 };
        string dir = TinyModels.TempDir();
        TrajectoryGenerator.WriteShards(teacher, options, dir, 0, 12);
        using var set = TrajectoryShardSet.Open(dir);
        Assert.Equal(1.5, set.GuidanceScale);
        Assert.All(set.Shards, s => Assert.Equal(1.5, s.Info.Guidance));

        // The same records solved directly at w = 1.5, and they differ from the unguided ones.
        using var noise = GaussianNoise.Sample(0, 12, 1, 8, 8, options.Seed);
        using var labels = torch.tensor(GaussianNoise.Labels(0, 12, 3, options.Seed).Select(l => (long)l).ToArray());
        using var w = torch.full(new long[] { 12 }, Scalars.Of((double)1.5f));
        var (_, frames) = teacher.Solve(noise, labels, w, options.Solver, options.Steps, options.FrameTimes);
        using var stored = set.ReadRange(0, 12);
        Assert.True(torch.allclose(stored.Frames, frames!, rtol: 0, atol: 1e-5), "stored frames differ from the guided solve");
        using var plain = TrajectoryGenerator.Generate(teacher, options with { GuidanceScale = 0 }, 0, 12);
        Assert.False(torch.allclose(plain.Frames, stored.Frames, rtol: 0, atol: 1e-3), "guidance changed nothing");
    }

    [Fact]
    public void ResumingAtAnotherScaleIsRefused()
    {
        torch.set_num_threads(1);
        using var teacher = GuidableTeacher();
        var options = TinyModels.Generation(batch: 8, shard: 8) with { GuidanceScale = 2 };
        string dir = TinyModels.TempDir();
        TrajectoryGenerator.WriteShards(teacher, options, dir, 0, 8);
        var error = Assert.Throws<InvalidDataException>(() => TrajectoryGenerator.WriteShards(teacher, options with { GuidanceScale = 1 }, dir, 0, 16));
        Assert.Contains("w = 2", error.Message);
        Assert.Contains("w = 1", error.Message);
    }

    [Fact]
    public void UnguidableTeachersAndBadScalesAreRefused()
    {
        var plain = TinyModels.Teacher();
        var error = Assert.Throws<ArgumentException>(() => TrajectoryGenerator.Generate(plain, TinyModels.Generation() with { GuidanceScale = 1 }, 0, 4));
        Assert.Contains("cannot be guided", error.Message);
        using var teacher = GuidableTeacher();
        Assert.Throws<ArgumentOutOfRangeException>(() => TrajectoryGenerator.Generate(teacher, TinyModels.Generation() with { GuidanceScale = -1 }, 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrajectoryGenerator.Generate(teacher, TinyModels.Generation() with { GuidanceScale = double.NaN }, 0, 4));
    }

    [Fact]
    public void VersionOneShardsStillReadAsUnguided()
    {
        torch.set_num_threads(1);
        var teacher = TinyModels.Teacher();
        string dir = TinyModels.TempDir();
        var file = TrajectoryGenerator.WriteShards(teacher, TinyModels.Generation(batch: 8, shard: 8), dir, 0, 8).Single();
        using (var before = TrajectoryShardSet.Open(file))
        using (var records = before.ReadRange(0, 8))
        {
            // Rewrite the header as version 1 wrote it: no guidance field (the checksum covers the records only).
            byte[] bytes = File.ReadAllBytes(file);
            int header = HeaderLength(before.Layout.FrameCount, "ddim");
            Assert.Equal(0.0, BitConverter.ToDouble(bytes, header - 8));
            byte[] v1 = bytes[..(header - 8)].Concat(bytes[header..]).ToArray();
            BitConverter.GetBytes(1).CopyTo(v1, 8);
            string old = Path.Combine(TinyModels.TempDir(), Path.GetFileName(file));
            Directory.CreateDirectory(Path.GetDirectoryName(old)!);
            File.WriteAllBytes(old, v1);
            using var set = TrajectoryShardSet.Open(old);
            Assert.Equal(0.0, set.GuidanceScale);
            using var read = set.ReadRange(0, 8);
            Assert.True(torch.equal(records.Frames, read.Frames).all().item<bool>());
        }
    }

    /// <summary>Magic, version, six ints, the frame times, first, count, seed, the solver name, steps and (version 2) the guidance scale.</summary>
    private static int HeaderLength(int frames, string solver) => 8 + 4 + 6 * 4 + 8 * frames + 8 + 8 + 4 + 2 + solver.Length + 4 + 8;
}
