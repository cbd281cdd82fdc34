using Dsno.Tests.Training;
using Dsno.Data;
using Dsno.Diffusion;
using TorchSharp;

namespace Dsno.Tests.Trajectories;

public class TrajectoryShardTests
{
    private static void AssertSameRecords(TrajectoryBatch a, TrajectoryBatch b)
    {
        Assert.Equal(a.Count, b.Count);
        Assert.True(torch.equal(a.Noise, b.Noise).all().item<bool>(), "noise differs");
        Assert.True(torch.equal(a.Frames, b.Frames).all().item<bool>(), "frames differ");
    }

    [Fact]
    public void ShardedGenerationEqualsGenerationInOneGo()
    {
        torch.set_num_threads(1);
        var teacher = TinyModels.Teacher();
        var options = TinyModels.Generation(batch: 8, shard: 16);
        using var inOneGo = TrajectoryGenerator.Generate(teacher, options, 0, 40);

        // Two "machines" over disjoint seed ranges into one folder, then the whole range (which finds everything done).
        string dir = TinyModels.TempDir();
        TrajectoryGenerator.WriteShards(teacher, options, dir, 0, 24);
        TrajectoryGenerator.WriteShards(teacher, options, dir, 24, 16);
        var files = TrajectoryGenerator.WriteShards(teacher, options, dir, 0, 40);
        Assert.Equal(4, files.Count); // [0,16) [16,24) from the first call, [24,32) [32,40) from the second
        using var set = TrajectoryShardSet.Open(dir);
        Assert.Equal(40, set.Count);
        using var all = set.ReadRange(0, 40);
        AssertSameRecords(inOneGo, all);
        Assert.Equal(4, set.Layout.FrameCount);
        // The last frame is the sample, in image range (the final state may overshoot the clipped estimate by sigma(0) eps).
        Assert.True(all.Frames[.., ^1].abs().max().item<float>() <= 1.01f);
    }

    [Fact]
    public void RecordsDoNotDependOnTheBatchSize()
    {
        torch.set_num_threads(1);
        var teacher = TinyModels.Teacher();
        using var a = TrajectoryGenerator.Generate(teacher, TinyModels.Generation(batch: 5), 3, 12);
        using var b = TrajectoryGenerator.Generate(teacher, TinyModels.Generation(batch: 12), 3, 12);
        Assert.True(torch.equal(a.Noise, b.Noise).all().item<bool>());
        Assert.True(torch.allclose(a.Frames, b.Frames, rtol: 0, atol: 1e-5), "frames differ beyond float rounding");
    }

    [Fact]
    public void InterruptedGenerationResumesWithoutLossOrDuplication()
    {
        torch.set_num_threads(1);
        var teacher = TinyModels.Teacher();
        var options = TinyModels.Generation(batch: 8, shard: 8);
        string reference = TinyModels.TempDir(), resumed = TinyModels.TempDir();
        TrajectoryGenerator.WriteShards(teacher, options, reference, 0, 32);

        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress<GenerationProgress>(p => { if (p.Done >= 16) cts.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => TrajectoryGenerator.WriteShards(teacher, options, resumed, 0, 32, progress, cts.Token));
        Assert.Empty(Directory.GetFiles(resumed, "*.tmp"));
        int before = Directory.GetFiles(resumed, "*" + TrajectoryShardSet.Extension).Length;
        Assert.InRange(before, 1, 3);

        GenerationProgress? last = null;
        TrajectoryGenerator.WriteShards(teacher, options, resumed, 0, 32, new SyncProgress<GenerationProgress>(p => last = p));
        Assert.Equal(before * 8, last!.Skipped);
        using var x = TrajectoryShardSet.Open(reference);
        using var y = TrajectoryShardSet.Open(resumed);
        using var rx = x.ReadRange(0, 32);
        using var ry = y.ReadRange(0, 32);
        AssertSameRecords(rx, ry);
    }

    [Fact]
    public void CorruptOrInconsistentShardsAreRefused()
    {
        torch.set_num_threads(1);
        var teacher = TinyModels.Teacher();
        string dir = TinyModels.TempDir();
        var files = TrajectoryGenerator.WriteShards(teacher, TinyModels.Generation(batch: 8, shard: 8), dir, 0, 16);

        // Flip one byte in the records: the checksum catches it and the message names the file.
        var bytes = File.ReadAllBytes(files[1]);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(files[1], bytes);
        var e = Assert.Throws<InvalidDataException>(() => TrajectoryShardSet.Open(dir));
        Assert.Contains(Path.GetFileName(files[1]), e.Message);

        // Truncation.
        File.WriteAllBytes(files[1], bytes.AsSpan(0, bytes.Length - 100).ToArray());
        e = Assert.Throws<InvalidDataException>(() => TrajectoryShardReader.Open(files[1]));
        Assert.Contains("truncated", e.Message);

        // A gap: records 8..15 missing.
        File.Delete(files[1]);
        TrajectoryGenerator.WriteShards(teacher, TinyModels.Generation(batch: 8, shard: 8), dir, 16, 8);
        e = Assert.Throws<InvalidDataException>(() => TrajectoryShardSet.Open(dir));
        Assert.Contains("missing", e.Message);

        // Other solver settings in the same folder are refused instead of mixed.
        Assert.Throws<InvalidDataException>(() => TrajectoryGenerator.WriteShards(teacher, TinyModels.Generation() with { Steps = 9 }, dir, 0, 8));
    }

    [Fact]
    public void NonFiniteRecordsAreRefusedWithTheirIndex()
    {
        var layout = new TrajectoryLayout(1, 2, 2, FrameTimes.Quadratic(2));
        var noise = torch.zeros(new long[] { 3, 1, 2, 2 });
        var frames = torch.zeros(new long[] { 3, 2, 1, 2, 2 });
        frames[2, 1, 0, 1, 1] = torch.tensor(float.NaN);
        var e = Assert.Throws<InvalidDataException>(() => new InMemoryTrajectories(new TrajectoryBatch(noise, frames, null, firstRecord: 100), layout));
        Assert.Contains("record 102", e.Message);
        Assert.Throws<InvalidDataException>(() => new InMemoryTrajectories(new TrajectoryBatch(torch.zeros(new long[] { 3, 1, 2, 2 }), torch.zeros(new long[] { 3, 3, 1, 2, 2 }), null), layout));
    }
}
