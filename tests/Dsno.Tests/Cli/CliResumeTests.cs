using Dsno.Cli.Infrastructure;
using Dsno.MLNet;
using Microsoft.ML;
using TorchSharp;

namespace Dsno.Tests.Cli;

/// <summary>Sharded, resumable trajectory generation and Ctrl+C during training: nothing lost, nothing duplicated, same result.</summary>
public class CliResumeTests
{
    private static string[] Trajectories(string output, long first, int count, params string[] extra) =>
        new[]
        {
            "trajectories", "--teacher", CliArtifacts.Teacher, "--first", first.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--count", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "--shard-size", "8", "--solver", "ddim",
            "--solver-steps", "4", "--seed", "7", "--threads", "1", "--out", output, "--quiet",
        }.Concat(extra).ToArray();

    /// <summary>
    /// The records of every shard and its bytes, by file name. Shards are written with their column blocks in a fixed order, so the same
    /// records give the same bytes; the records are compared too, to say which ones differ when the bytes do.
    /// </summary>
    internal static Dictionary<string, ShardContent> Shards(string dir)
    {
        var ml = new MLContext();
        return Directory.GetFiles(dir, "*.idv").ToDictionary(f => Path.GetFileName(f), f =>
        {
            var view = ml.Data.LoadFromBinary(f);
            Microsoft.ML.Data.VBuffer<float> times = default;
            view.Schema["Trajectory"].Annotations.GetValue("Times", ref times);
            return new ShardContent(string.Join(";", view.Schema.Select(c => $"{c.Name}:{c.Type}")), times.DenseValues().ToArray(),
                CliHarness.Column(view, "Noise"), CliHarness.Column(view, "Trajectory", "Image"), CliHarness.Column(view, "Image", "Trajectory"),
                File.ReadAllBytes(f));
        });
    }

    internal sealed record ShardContent(string Schema, float[] Times, float[][] Noise, float[][] Trajectories, float[][] Images, byte[] Bytes);

    internal static void AssertSameFiles(Dictionary<string, ShardContent> expected, string dir)
    {
        var actual = Shards(dir);
        Assert.Equal(expected.Keys.OrderBy(k => k), actual.Keys.OrderBy(k => k));
        foreach (var (name, e) in expected)
        {
            var a = actual[name];
            Assert.Equal(e.Schema, a.Schema);
            Assert.Equal(e.Times, a.Times);
            Assert.Equal(e.Noise, a.Noise);
            Assert.Equal(e.Trajectories, a.Trajectories);
            Assert.Equal(e.Images, a.Images);
            Assert.True(e.Bytes.AsSpan().SequenceEqual(a.Bytes), $"{name}: same records, other bytes");
        }
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public void TrajectoryShardsSplitBySeedRangeResumedOrInterruptedEqualOneRun()
    {
        torch.set_num_threads(1);
        var whole = Shards(CliArtifacts.Trajectories); // 24 records, shard size 8, in one run
        Assert.Equal(3, whole.Count);

        // Two "machines" with disjoint seed ranges.
        string split = TinyModels.TempDir();
        CliHarness.Ok(Trajectories(split, 0, 8));
        CliHarness.Ok(Trajectories(split, 8, 16));
        AssertSameFiles(whole, split);

        // A rerun skips everything; a deleted shard is regenerated and only it.
        var rerun = CliHarness.Ok(Trajectories(split, 0, 24, "--json")).Json();
        Assert.Equal(0, rerun.GetProperty("generated").GetInt64());
        Assert.Equal(24, rerun.GetProperty("skipped").GetInt64());
        string middle = Directory.GetFiles(split, "trajectories-000000000008-*.idv").Single();
        File.Delete(middle);
        var repaired = CliHarness.Ok(Trajectories(split, 0, 24, "--json")).Json();
        Assert.Equal(8, repaired.GetProperty("generated").GetInt64());
        Assert.Equal(16, repaired.GetProperty("skipped").GetInt64());
        AssertSameFiles(whole, split);

        // Ctrl+C in the middle of the second shard: the first shard is kept, no partial file remains, and a rerun completes the set.
        string interrupted = TinyModels.TempDir();
        using var cancel = new CancellationTokenSource();
        var stopped = CliHarness.Run(e => { if (e.Stage == "trajectories" && e.Done >= 12) cancel.Cancel(); }, cancel.Token, Trajectories(interrupted, 0, 24));
        Assert.Equal(ExitCodes.Interrupted, stopped.ExitCode);
        Assert.Contains("rerun the same command", stopped.Stderr);
        Assert.Single(Directory.GetFiles(interrupted, "*.idv"));
        Assert.Empty(Directory.GetFiles(interrupted, "*.tmp"));
        CliHarness.Ok(Trajectories(interrupted, 0, 24));
        AssertSameFiles(whole, interrupted);

        // Other settings into the same folder are refused, naming the folder.
        var other = CliHarness.Run(Trajectories(interrupted, 0, 8).Select(a => a == "7" ? "8" : a).ToArray());
        CliHarness.AssertOneLineError(other, ExitCodes.BadInput, interrupted, "seed 7");
    }

    [Fact]
    public void TeacherInterruptedByCtrlCResumesToTheUninterruptedModel()
    {
        torch.set_num_threads(1);
        string dir = TinyModels.TempDir();
        string whole = Path.Combine(dir, "whole.zip"), resumed = Path.Combine(dir, "resumed.zip");
        CliHarness.Ok(CliHarness.TinyTeacher(whole, 8, "--quiet"));

        using var cancel = new CancellationTokenSource();
        var stopped = CliHarness.Run(e => { if (e.Stage == "teacher" && e.Done == 3) cancel.Cancel(); }, cancel.Token, CliHarness.TinyTeacher(resumed, 8));
        Assert.Equal(ExitCodes.Interrupted, stopped.ExitCode);
        Assert.Single(stopped.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(resumed + ".checkpoint", stopped.Stderr);
        Assert.True(File.Exists(resumed + ".checkpoint"));
        Assert.False(File.Exists(resumed));

        var json = CliHarness.Ok(CliHarness.TinyTeacher(resumed, 8, "--json")).Json();
        Assert.Equal(3, json.GetProperty("resumedFromStep").GetInt32());
        Assert.False(File.Exists(resumed + ".checkpoint"));
        AssertSameOutput(whole, resumed, "Trajectory");
    }

    [Fact]
    public void FitInterruptedByCtrlCResumesToTheUninterruptedModel()
    {
        torch.set_num_threads(1);
        string dir = TinyModels.TempDir();
        string whole = Path.Combine(dir, "whole.zip"), resumed = Path.Combine(dir, "resumed.zip"), checkpoint = Path.Combine(dir, "fit.ckpt");
        CliHarness.Ok(CliHarness.TinyFit(CliArtifacts.Teacher, CliArtifacts.Trajectories, whole, 8, "--quiet"));

        using var cancel = new CancellationTokenSource();
        var stopped = CliHarness.Run(e => { if (e.Stage == "dsno" && e.Done == 5) cancel.Cancel(); }, cancel.Token,
            CliHarness.TinyFit(CliArtifacts.Teacher, CliArtifacts.Trajectories, resumed, 8, "--checkpoint", checkpoint));
        Assert.Equal(ExitCodes.Interrupted, stopped.ExitCode);
        Assert.Contains(checkpoint, stopped.Stderr);

        var json = CliHarness.Ok(CliHarness.TinyFit(CliArtifacts.Teacher, CliArtifacts.Trajectories, resumed, 8, "--checkpoint", checkpoint, "--json")).Json();
        Assert.Equal(5, json.GetProperty("resumedFromStep").GetInt32());
        Assert.True(File.Exists(checkpoint)); // an explicit checkpoint is kept
        AssertSameOutput(whole, resumed, "Trajectory");
    }

    private static void AssertSameOutput(string expectedZip, string actualZip, string column)
    {
        var ml = new MLContext(seed: 1);
        var noise = ml.Data.GaussianNoise(6, 1, 8, 8, seed: 11);
        var expected = CliHarness.Column(ml.Model.Load(expectedZip, out _).Transform(noise), column);
        var actual = CliHarness.Column(ml.Model.Load(actualZip, out _).Transform(noise), column);
        Assert.Equal(expected, actual);
    }
}
