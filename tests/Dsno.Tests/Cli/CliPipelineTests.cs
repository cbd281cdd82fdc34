using Dsno.MLNet;
using Microsoft.ML;
using SixLabors.ImageSharp;
using TorchSharp;

namespace Dsno.Tests.Cli;

/// <summary>Every verb end to end on tiny inputs, checked against the ML.NET API computing the same thing.</summary>
public class CliPipelineTests
{
    [Fact]
    public void TeacherTrajectoriesFitSampleAndEvalRunEndToEnd()
    {
        torch.set_num_threads(1);
        string dir = TinyModels.TempDir();
        var ml = new MLContext(seed: 1);

        // teacher: a loadable DiffusionTeacherTransformer; --json gives one object with the expected fields.
        string teacherZip = Path.Combine(dir, "teacher.zip");
        var teacherJson = CliHarness.Ok(CliHarness.TinyTeacher(teacherZip, 6, "--json")).Json();
        Assert.Equal("teacher", teacherJson.GetProperty("command").GetString());
        Assert.Equal(6, teacherJson.GetProperty("steps").GetInt32());
        Assert.Equal(0, teacherJson.GetProperty("resumedFromStep").GetInt32());
        Assert.True(double.IsFinite(teacherJson.GetProperty("finalLoss").GetDouble()));
        Assert.Equal(Path.GetFullPath(teacherZip), teacherJson.GetProperty("out").GetString());
        var teacher = Assert.IsType<DiffusionTeacherTransformer>(ml.Model.Load(teacherZip, out _));
        Assert.Equal(teacherJson.GetProperty("parameters").GetInt64(), teacher.Teacher.Network.ParameterCount);
        Assert.False(File.Exists(teacherZip + ".checkpoint"));

        // trajectories: the shards' records equal the teacher's own Transform of ml.Data.GaussianNoise for the same rows.
        string trajDir = Path.Combine(dir, "traj");
        var trajJson = CliHarness.Ok("trajectories", "--teacher", teacherZip, "--count", "20", "--shard-size", "8", "--solver", "ddim",
            "--solver-steps", "4", "--frames", "4", "--seed", "5", "--threads", "1", "--out", trajDir, "--json").Json();
        Assert.Equal(20, trajJson.GetProperty("generated").GetInt64());
        Assert.Equal(0, trajJson.GetProperty("skipped").GetInt64());
        var shards = trajJson.GetProperty("shards").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(3, shards.Length);
        var fromShards = shards.SelectMany(s => CliHarness.Column(ml.Data.LoadFromBinary(s), "Trajectory")).ToArray();
        var noiseFromShards = shards.SelectMany(s => CliHarness.Column(ml.Data.LoadFromBinary(s), "Noise")).ToArray();
        var reference = teacher.WithSampler(OdeSolver.Ddim, 4, TimeGrid.Quadratic(4)).Transform(ml.Data.GaussianNoise(20, 1, 8, 8, seed: 5));
        Assert.Equal(CliHarness.Column(reference, "Noise"), noiseFromShards);
        Assert.True(CliHarness.MaxAbsDifference(CliHarness.Column(reference, "Trajectory"), fromShards) < 1e-5);
        var shardSchema = ml.Data.LoadFromBinary(shards[0]).Schema;
        Assert.NotNull(shardSchema.GetColumnOrNull("Image"));
        Assert.Equal(new[] { 0.5625f, 0.25f, 0.0625f, 0f }, trajJson.GetProperty("times").EnumerateArray().Select(t => t.GetSingle()).ToArray());

        // fit: a DSNO model on the folder's shards.
        string dsnoZip = Path.Combine(dir, "dsno.zip");
        var fitJson = CliHarness.Ok(CliHarness.TinyFit(teacherZip, trajDir, dsnoZip, 5, "--json")).Json();
        Assert.Equal(20, fitJson.GetProperty("trajectories").GetInt64());
        Assert.Equal(3, fitJson.GetProperty("files").GetInt32());
        var dsno = Assert.IsType<DsnoTransformer>(ml.Model.Load(dsnoZip, out _));
        Assert.Equal(new[] { 0.5625f, 0.25f, 0.0625f, 0f }, dsno.Frames.Times);

        // sample: the .idv images equal DsnoTransformer.Generate for the same seed; the PNGs decode at the grid's size.
        string png = Path.Combine(dir, "grid.png"), strip = Path.Combine(dir, "strip.png"), idv = Path.Combine(dir, "images.idv");
        var sampleJson = CliHarness.Ok("sample", "--model", dsnoZip, "--count", "12", "--seed", "3", "--png", png, "--strip", strip,
            "--idv", idv, "--columns", "4", "--threads", "1", "--json").Json();
        Assert.Equal("dsno", sampleJson.GetProperty("kind").GetString());
        Assert.Equal(1, sampleJson.GetProperty("forwardPasses").GetInt32());
        var expected = dsno.Generate(12, seed: 3);
        var written = CliHarness.Column(ml.Data.LoadFromBinary(idv), "Image").Select(i => i.Select(v => Math.Clamp(v, -1f, 1f)).ToArray()).ToArray();
        Assert.True(CliHarness.MaxAbsDifference(expected, written) < 1e-6);
        var grid = Image.Identify(png);
        Assert.Equal((4 * (8 * 4 + 1) + 1, 3 * (8 * 4 + 1) + 1), (grid.Width, grid.Height));
        var stripInfo = Image.Identify(strip);
        Assert.Equal((4 * (8 * 4 + 1) + 1, 8 * (8 * 4 + 1) + 1), (stripInfo.Width, stripInfo.Height));

        // sample with --times on the DSNO model, and with a teacher model.
        var timesJson = CliHarness.Ok("sample", "--model", dsnoZip, "--count", "4", "--times", "0.9,0.4,0", "--strip", strip, "--threads", "1", "--json").Json();
        Assert.Equal(new[] { 0.9f, 0.4f, 0f }, timesJson.GetProperty("times").EnumerateArray().Select(t => t.GetSingle()).ToArray());
        Assert.Equal((3 * (8 * 4 + 1) + 1, 4 * (8 * 4 + 1) + 1), (Image.Identify(strip).Width, Image.Identify(strip).Height));
        var teacherSample = CliHarness.Ok("sample", "--model", teacherZip, "--count", "4", "--png", png, "--solver", "ddim", "--solver-steps", "3", "--threads", "1", "--json").Json();
        Assert.Equal("teacher", teacherSample.GetProperty("kind").GetString());
        Assert.True(teacherSample.GetProperty("forwardPasses").GetInt32() >= 3);

        // eval: metrics in range, the time per 1,000 images, and a human-readable table without --json.
        string cache = Path.Combine(TempFolder.Root, "metrics-cache");
        var evalJson = CliHarness.Ok("eval", "--model", dsnoZip, "--reference", "digits", "--count", "64", "--cache", cache, "--threads", "1", "--json").Json();
        Assert.Equal(64, evalJson.GetProperty("count").GetInt32());
        Assert.True(evalJson.GetProperty("fd").GetDouble() > 0);
        Assert.InRange(evalJson.GetProperty("precision").GetDouble(), 0, 1);
        Assert.InRange(evalJson.GetProperty("recall").GetDouble(), 0, 1);
        Assert.True(evalJson.GetProperty("secondsPer1000Images").GetDouble() > 0);
        Assert.True(evalJson.GetProperty("classifierAccuracy").GetDouble() > 0.8);
        var human = CliHarness.Ok("eval", "--model", dsnoZip, "--reference", "digits", "--count", "16", "--cache", cache, "--threads", "1", "--quiet");
        Assert.Contains("FD", human.Console);
        Assert.Contains("precision", human.Console);
        Assert.Contains("per 1,000 images", human.Console);
        Assert.Equal("", human.Stdout);
    }

    [Fact]
    public void ProgressShowsRateAndLossUnlessQuiet()
    {
        torch.set_num_threads(1);
        string dir = TinyModels.TempDir();
        var shown = CliHarness.Ok(CliHarness.TinyTeacher(Path.Combine(dir, "a.zip"), 3));
        Assert.Contains("loss", shown.Console);
        Assert.Contains("steps/s", shown.Console);
        Assert.Contains("teacher saved", shown.Console);
        var quiet = CliHarness.Ok(CliHarness.TinyTeacher(Path.Combine(dir, "b.zip"), 3, "--quiet"));
        Assert.DoesNotContain("steps/s", quiet.Console);
        var json = CliHarness.Ok(CliHarness.TinyTeacher(Path.Combine(dir, "c.zip"), 3, "--json", "--quiet"));
        Assert.Equal("", json.Console);
        json.Json();
    }

    [Fact]
    public void ConditionalTeacherWritesLabelsAndSamplesAGivenClass()
    {
        torch.set_num_threads(1);
        string dir = TinyModels.TempDir();
        var ml = new MLContext(seed: 1);
        string teacherZip = Path.Combine(dir, "conditional.zip");
        var json = CliHarness.Ok(CliHarness.TinyTeacher(teacherZip, 3, "--conditional", "--json")).Json();
        Assert.Equal(10, json.GetProperty("classes").GetInt32());

        string trajDir = Path.Combine(dir, "traj");
        var traj = CliHarness.Ok("trajectories", "--teacher", teacherZip, "--count", "10", "--solver", "ddim", "--solver-steps", "2", "--seed", "4",
            "--threads", "1", "--out", trajDir, "--json").Json();
        var shard = traj.GetProperty("shards")[0].GetString()!;
        // Labels are ML.NET keys (class + 1), drawn for (seed, row) like ml.Data.GaussianNoise(classes: 10).
        var expected = CliHarness.Keys(ml.Data.GaussianNoise(10, 1, 8, 8, seed: 4, classes: 10), "Label");
        Assert.Equal(expected, CliHarness.Keys(ml.Data.LoadFromBinary(shard), "Label"));
        Assert.Equal(Dsno.Data.GaussianNoise.Labels(0, 10, 10, 4).Select(l => (uint)l + 1).ToArray(), expected);

        // --label L: every row is conditioned on L, so the images equal the teacher's for a Label column of L.
        string idv = Path.Combine(dir, "sevens.idv");
        CliHarness.Ok("sample", "--model", teacherZip, "--count", "4", "--label", "7", "--idv", idv, "--threads", "1", "--quiet");
        var written = ml.Data.LoadFromBinary(idv);
        Assert.All(CliHarness.Keys(written, "Label"), k => Assert.Equal(8u, k));
        Assert.Equal(Dsno.Data.GaussianNoise.SampleArray(0, 4, 1, 8, 8, 0), CliHarness.Column(written, "Noise").SelectMany(r => r).ToArray());
        var teacher = Assert.IsType<DiffusionTeacherTransformer>(ml.Model.Load(teacherZip, out _));
        // The teacher run on the written Noise and Label columns again (its outputs shadow the written ones) gives the written images.
        double difference = CliHarness.MaxAbsDifference(CliHarness.Column(teacher.Transform(written), "Image", "Trajectory"), CliHarness.Column(written, "Image"));
        Assert.True(difference < 1e-5, $"max difference {difference}");

        var bad = CliHarness.Run("sample", "--model", teacherZip, "--count", "4", "--label", "10", "--png", Path.Combine(dir, "x.png"));
        CliHarness.AssertOneLineError(bad, 2, "--label 10", teacherZip, "0..9");
    }
}
