using Dsno.Cli.Infrastructure;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Dsno.Tests.Cli;

/// <summary><c>--guidance</c> on teacher, trajectories, fit and sample: values, exit codes and what each verb records.</summary>
public class CliGuidanceTests
{
    public static TheoryData<string[]> BadGuidanceValues => new()
    {
        new[] { "teacher", "--data", "digits", "--out", "t.zip", "--conditional", "--guidance", "-1" },
        new[] { "trajectories", "--teacher", "t.zip", "--count", "4", "--out", "d", "--guidance", "NaN" },
        new[] { "fit", "--teacher", "t.zip", "--data", "x", "--out", "d.zip", "--guidance", "two" },
        new[] { "sample", "--model", "m.zip", "--png", "x.png", "--guidance", "Infinity" },
    };

    [Theory]
    [MemberData(nameof(BadGuidanceValues))]
    public void BadGuidanceValuesAreUsageErrors(string[] args) =>
        CliHarness.AssertOneLineError(CliHarness.Run(args), ExitCodes.Usage, "--guidance must be a finite number >= 0");

    [Fact]
    public void TeacherGuidanceNeedsAConditionalTeacherWithLabelDropout()
    {
        CliHarness.AssertOneLineError(CliHarness.Run("teacher", "--data", "digits", "--out", "t.zip", "--guidance", "2"), ExitCodes.Usage, "--conditional");
        CliHarness.AssertOneLineError(CliHarness.Run("teacher", "--data", "digits", "--out", "t.zip", "--conditional", "--label-dropout", "0", "--guidance", "2"),
            ExitCodes.Usage, "--label-dropout");
        CliHarness.AssertOneLineError(CliHarness.Run("teacher", "--data", "digits", "--out", "t.zip", "--label-dropout", "1.5"), ExitCodes.Usage, "--label-dropout");
    }

    [Fact]
    public void GuidedTrajectoriesFitAndSampleCarryW()
    {
        torch.set_num_threads(1);
        string dir = TinyModels.TempDir();
        var ml = new MLContext(seed: 1);
        string teacherZip = Path.Combine(dir, "guided-teacher.zip");
        var teacherJson = CliHarness.Ok(CliHarness.TinyTeacher(teacherZip, 3, "--conditional", "--json")).Json();
        Assert.Equal(0.1, teacherJson.GetProperty("labelDropout").GetDouble());

        string plainDir = Path.Combine(dir, "plain"), guidedDir = Path.Combine(dir, "guided");
        var plain = CliHarness.Ok("trajectories", "--teacher", teacherZip, "--count", "8", "--solver", "ddim", "--solver-steps", "3", "--seed", "4",
            "--threads", "1", "--out", plainDir, "--json").Json();
        var guided = CliHarness.Ok("trajectories", "--teacher", teacherZip, "--count", "8", "--solver", "ddim", "--solver-steps", "3", "--seed", "4",
            "--threads", "1", "--guidance", "2", "--out", guidedDir, "--json").Json();
        Assert.Equal(2.0, guided.GetProperty("guidance").GetDouble());
        Assert.Equal(0.0, plain.GetProperty("guidance").GetDouble());
        Assert.Equal(2 * plain.GetProperty("forwardPasses").GetInt32(), guided.GetProperty("forwardPasses").GetInt32());
        var shard = ml.Data.LoadFromBinary(guided.GetProperty("shards")[0].GetString()!);
        VBuffer<float> w = default;
        shard.Schema["Trajectory"].Annotations.GetValue("Guidance", ref w);
        Assert.Equal(new[] { 2f }, w.DenseValues().ToArray());
        // A rerun into the same folder with another w is refused: the shards would mix two guidance scales.
        CliHarness.AssertOneLineError(CliHarness.Run("trajectories", "--teacher", teacherZip, "--count", "8", "--solver", "ddim", "--solver-steps", "3",
            "--seed", "4", "--threads", "1", "--guidance", "1", "--out", guidedDir), ExitCodes.BadInput, "guidance");

        string dsnoZip = Path.Combine(dir, "dsno-w2.zip");
        CliHarness.Ok(CliHarness.TinyFit(teacherZip, guidedDir, dsnoZip, 2, "--guidance", "2", "--quiet"));
        CliHarness.AssertOneLineError(CliHarness.Run(CliHarness.TinyFit(teacherZip, guidedDir, Path.Combine(dir, "x.zip"), 2, "--guidance", "1")),
            ExitCodes.BadInput, "--guidance 1", "w = 2");

        string png = Path.Combine(dir, "s.png");
        var sample = CliHarness.Ok("sample", "--model", dsnoZip, "--count", "4", "--png", png, "--guidance", "2", "--threads", "1", "--json").Json();
        Assert.Equal(2.0, sample.GetProperty("guidance").GetDouble());
        CliHarness.AssertOneLineError(CliHarness.Run("sample", "--model", dsnoZip, "--count", "4", "--png", png, "--guidance", "1"),
            ExitCodes.BadInput, "--guidance 1", "distilled at the guidance scale w = 2");
        var teacherSample = CliHarness.Ok("sample", "--model", teacherZip, "--count", "4", "--png", png, "--guidance", "1.5", "--solver-steps", "2",
            "--threads", "1", "--json").Json();
        Assert.Equal(1.5, teacherSample.GetProperty("guidance").GetDouble());
        var unguidedSample = CliHarness.Ok("sample", "--model", teacherZip, "--count", "4", "--png", png, "--solver-steps", "2", "--threads", "1", "--json").Json();
        Assert.Equal(0.0, unguidedSample.GetProperty("guidance").GetDouble());
        Assert.Equal(2 * unguidedSample.GetProperty("forwardPasses").GetInt32(), teacherSample.GetProperty("forwardPasses").GetInt32());

        CliHarness.AssertOneLineError(CliHarness.Run("sample", "--model", CliArtifacts.Teacher, "--count", "4", "--png", png, "--guidance", "1"),
            ExitCodes.BadInput, "--guidance 1", "unconditional");
        CliHarness.AssertOneLineError(CliHarness.Run("trajectories", "--teacher", CliArtifacts.Teacher, "--count", "4", "--guidance", "1", "--out", Path.Combine(dir, "u")),
            ExitCodes.BadInput, "unconditional");
        CliHarness.AssertOneLineError(CliHarness.Run(CliHarness.TinyFit(CliArtifacts.Teacher, CliArtifacts.Trajectories, Path.Combine(dir, "u.zip"), 2, "--guidance", "1")),
            ExitCodes.BadInput, "unconditional");
    }
}
