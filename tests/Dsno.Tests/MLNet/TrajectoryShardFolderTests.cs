using Dsno.MLNet;
using Microsoft.ML;
using TorchSharp;

namespace Dsno.Tests.MLNet;

/// <summary>
/// The library's resumable <c>.idv</c> trajectory folder: shards written over several calls equal one call's, byte for byte, and read
/// back as one data view; noise from any first row is the tail of the noise from row 0; bad folders and teachers are refused.
/// </summary>
public class TrajectoryShardFolderTests
{
    private static TrajectoryShardFolder.Manifest Manifest(DiffusionTeacherTransformer teacher, int shardSize = 4, int seed = 7) =>
        new("teacher-under-test", teacher.Solver.ToString(), teacher.SolverSteps, teacher.Frames.Times, seed, shardSize, 1, 8, 8, teacher.ClassCount);

    private static string[] Files(string dir) => Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void ShardsWrittenInTwoCallsReadBackAsOneViewEqualToOneCall()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.ConditionalTeacher;
        var manifest = Manifest(teacher);

        string once = TinyModels.TempDir();
        Assert.Equal(10, TrajectoryShardFolder.Open(once, manifest).Write(ml, teacher, 0, 10));

        // The middle seed range first (another machine, say), then the whole range: only what is missing is written.
        string twice = TinyModels.TempDir();
        var resumed = TrajectoryShardFolder.Open(twice, manifest);
        Assert.Equal(4, resumed.Write(ml, teacher, 4, 4));
        var told = new List<long>();
        Assert.Equal(6, resumed.Write(ml, teacher, 0, 10, new Recorder(told)));
        Assert.Equal(4, told[0]);        // the records already there
        Assert.Equal(10, told[^1]);
        Assert.Equal(told.Order(), told);
        Assert.Equal(0, resumed.Write(ml, teacher, 0, 10));

        string[] shards = { "trajectories-000000000000-000000000004.idv", "trajectories-000000000004-000000000008.idv", "trajectories-000000000008-000000000010.idv" };
        Assert.Equal(shards.Prepend(TrajectoryShardFolder.ManifestName).Order(StringComparer.Ordinal), Files(twice));
        foreach (var shard in shards)
            Assert.True(File.ReadAllBytes(Path.Combine(once, shard)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(twice, shard))), shard);

        var whole = TrajectoryShardFolder.OpenExisting(once).Load(ml);
        var joined = resumed.Load(ml);
        Assert.Equal(10, joined.GetRowCount());
        foreach (var column in new[] { "Noise", "Trajectory", "Image" })
            Assert.Equal(MlNetModels.Column(whole, column), MlNetModels.Column(joined, column));
        Assert.Equal(Cli.CliHarness.Keys(whole, "Label"), Cli.CliHarness.Keys(joined, "Label"));
        Assert.Null(TrajectoryShardFolder.ReadShardSettings(joined)!.FirstDifference(manifest));

        // The records are the teacher's output for rows 0..9 of the seed's noise.
        var noise = ml.Data.GaussianNoise(10, 1, 8, 8, seed: 7, classes: teacher.ClassCount);
        Assert.Equal(MlNetModels.Column(noise, "Noise"), MlNetModels.Column(joined, "Noise"));
        Assert.Equal(Cli.CliHarness.Keys(noise, "Label"), Cli.CliHarness.Keys(joined, "Label"));
        var direct = MlNetModels.Column(teacher.Transform(noise), "Trajectory");
        Assert.True(Cli.CliHarness.MaxAbsDifference(direct, MlNetModels.Column(joined, "Trajectory")) < 1e-4);

        // The joined view trains a DSNO as any trajectory view does: it carries the frame times.
        Assert.Equal(teacher.Frames.Times, TrajectoryAnnotationsOf(joined));
    }

    [Fact]
    public void AnInterruptedWriteLeavesOnlyWholeShardsAndResumes()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.ConditionalTeacher;
        string dir = TinyModels.TempDir();
        var folder = TrajectoryShardFolder.Open(dir, Manifest(teacher));
        using var cancel = new CancellationTokenSource();
        var told = new Recorder(new List<long>(), n => { if (n >= 6) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => folder.Write(ml, teacher, 0, 10, told, cancel.Token));
        Assert.Equal(new[] { "dsno-trajectories.json", "trajectories-000000000000-000000000004.idv" }, Files(dir));
        Assert.Equal(6, folder.Write(ml, teacher, 0, 10));
        Assert.Equal(10, folder.Load(ml).GetRowCount());
    }

    [Fact]
    public void BadFoldersShardsAndTeachersAreRefusedWithTheReason()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.ConditionalTeacher;
        var manifest = Manifest(teacher);
        string dir = TinyModels.TempDir();
        var folder = TrajectoryShardFolder.Open(dir, manifest);

        var other = Assert.Throws<InvalidDataException>(() => TrajectoryShardFolder.Open(dir, manifest with { Seed = 8 }));
        Assert.Contains(dir, other.Message);
        Assert.Contains("seed 7", other.Message);
        string file = Path.Combine(dir, TrajectoryShardFolder.ManifestName);
        Assert.Contains(file, Assert.Throws<IOException>(() => TrajectoryShardFolder.Open(file, manifest)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TrajectoryShardFolder.Open(TinyModels.TempDir(), manifest with { ShardSize = 0 }));
        Assert.Contains("no trajectory shards", Assert.Throws<InvalidDataException>(() => folder.Load(ml)).Message);

        // A teacher that records other frame times than the manifest: refused before anything is written.
        var fewer = teacher.WithSampler(teacher.Solver, teacher.SolverSteps, TimeGrid.Quadratic(3));
        Assert.Contains("times", Assert.Throws<ArgumentException>(() => folder.Write(ml, fewer, 0, 4)).Message);
        Assert.Equal(new[] { TrajectoryShardFolder.ManifestName }, Files(dir));
        Assert.Throws<ArgumentException>(() => folder.WriteShard(ml, teacher, new TrajectoryShardFolder.Shard(2, 6, folder.ShardPath(2, 6))));

        // A corrupt shard is named, by the writer and by the reader.
        string corrupt = folder.ShardPath(0, 4);
        File.WriteAllText(corrupt, "not an idv file");
        Assert.Contains(corrupt, Assert.Throws<InvalidDataException>(() => folder.Write(ml, teacher, 0, 8)).Message);
        Assert.Contains(corrupt, Assert.Throws<InvalidDataException>(() => folder.Load(ml)).Message);
    }

    [Fact]
    public void GaussianNoiseFromAFirstRowIsTheTailOfTheNoiseFromRowZero()
    {
        var ml = new MLContext(seed: 1);
        var whole = ml.Data.GaussianNoise(70, 1, 4, 4, seed: 9, classes: 5);
        var tail = ml.Data.GaussianNoise(5, 1, 4, 4, seed: 9, classes: 5, firstRow: 65);
        Assert.Equal(MlNetModels.Column(whole, "Noise").Skip(65), MlNetModels.Column(tail, "Noise"));
        Assert.Equal(Cli.CliHarness.Keys(whole, "Label").Skip(65), Cli.CliHarness.Keys(tail, "Label"));
        Assert.Equal(whole.Schema["Label"].Type, tail.Schema["Label"].Type);

        // The options overload: the same rows, a fixed label, progress and cancellation.
        var told = new List<long>();
        var options = new GaussianNoiseOptions { Rows = 5, FirstRow = 65, Channels = 1, Height = 4, Width = 4, Seed = 9, Classes = 5, Progress = new Recorder(told) };
        Assert.Equal(MlNetModels.Column(tail, "Noise"), MlNetModels.Column(ml.Data.GaussianNoise(options), "Noise"));
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, told);
        var fixedLabel = ml.Data.GaussianNoise(new GaussianNoiseOptions { Rows = 3, Channels = 1, Height = 4, Width = 4, Seed = 9, Classes = 5, Label = 2 });
        Assert.Equal(new uint[] { 3, 3, 3 }, Cli.CliHarness.Keys(fixedLabel, "Label"));
        Assert.Null(ml.Data.GaussianNoise(3, 1, 4, 4, seed: 9, firstRow: 2).Schema.GetColumnOrNull("Label"));
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Data.GaussianNoise(new GaussianNoiseOptions { Rows = 3, Channels = 1, Height = 4, Width = 4, Label = 2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Data.GaussianNoise(3, 1, 4, 4, seed: 9, firstRow: -1));
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var stopped = ml.Data.GaussianNoise(new GaussianNoiseOptions { Rows = 3, Channels = 1, Height = 4, Width = 4, CancellationToken = cancel.Token });
        Assert.ThrowsAny<OperationCanceledException>(() => MlNetModels.Column(stopped, "Noise"));
    }

    private static float[] TrajectoryAnnotationsOf(IDataView view)
    {
        Microsoft.ML.Data.VBuffer<float> times = default;
        view.Schema["Trajectory"].Annotations.GetValue(TrajectoryAnnotations.Times, ref times);
        return times.DenseValues().ToArray();
    }

    private sealed class Recorder(List<long> values, Action<long>? then = null) : IProgress<long>
    {
        public void Report(long value)
        {
            values.Add(value);
            then?.Invoke(value);
        }
    }
}
