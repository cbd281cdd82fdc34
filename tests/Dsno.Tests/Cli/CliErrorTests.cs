using System.IO.Compression;
using Dsno.Cli.Infrastructure;
using Microsoft.ML;
using TorchSharp;

namespace Dsno.Tests.Cli;

/// <summary>Bad arguments give exit code 1, bad input exit code 2, each with one line on stderr and no stack trace unless --verbose.</summary>
public class CliErrorTests
{
    public static TheoryData<string[], string> UsageErrors => new()
    {
        { Array.Empty<string>(), "command" },
        { new[] { "bogus" }, "bogus" },
        { new[] { "teacher", "--data", "digits" }, "--out" },
        { new[] { "teacher", "--data", "digits", "--out", "t.zip", "--steps", "0" }, "--steps must be a positive integer" },
        { new[] { "teacher", "--data", "digits", "--out", "t.zip", "--steps", "ten" }, "--steps must be a positive integer" },
        { new[] { "teacher", "--data", "digits", "--out", "t.zip", "--lr", "-1" }, "--lr must be a positive number" },
        { new[] { "teacher", "--data", "digits", "--out", "t.zip", "--mult", "1,x" }, "--mult" },
        { new[] { "teacher", "--data", "digits", "--out", "t.zip", "--size", "8" }, "--size" },
        { new[] { "teacher", "--data", "digits", "--out", "t.zip", "--pad", "2" }, "--pad" },
        { new[] { "teacher", "--data", "digits", "--out", "t.zip", "--unknown" }, "--unknown" },
        { new[] { "trajectories", "--teacher", "t.zip", "--out", "d" }, "--count" },
        { new[] { "trajectories", "--teacher", "t.zip", "--count", "4", "--out", "d", "--frames", "4", "--times", "0.5,0" }, "--frames or --times" },
        { new[] { "trajectories", "--teacher", "t.zip", "--count", "4", "--out", "d", "--solver", "rk45" }, "--solver must be one of" },
        { new[] { "trajectories", "--teacher", "t.zip", "--count", "4", "--out", "d", "--times", "0.5;0" }, "--times must be comma-separated numbers" },
        { new[] { "fit", "--teacher", "t.zip", "--out", "d.zip" }, "--data" },
        { new[] { "fit", "--teacher", "t.zip", "--data", "x", "--out", "d.zip", "--weighting", "snr" }, "--weighting" },
        { new[] { "fit", "--teacher", "t.zip", "--data", "x", "--out", "d.zip", "--lr-decay", "exponential" }, "--lr-decay" },
        { new[] { "fit", "--teacher", "t.zip", "--data", "x", "--out", "d.zip", "--loss", "huber" }, "--loss" },
        { new[] { "sample", "--model", "m.zip" }, "--png" },
        { new[] { "sample", "--model", "m.zip", "--png", "x.png", "--count", "-3" }, "--count" },
        { new[] { "eval", "--model", "m.zip" }, "--reference" },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public void BadArgumentsGiveExitCode1AndOneLine(string[] args, string fragment)
    {
        var outcome = CliHarness.Run(args);
        CliHarness.AssertOneLineError(outcome, ExitCodes.Usage, fragment);
    }

    [Fact]
    public void JsonModeReportsAnErrorAsOneObject()
    {
        var outcome = CliHarness.Run("teacher", "--data", "digits", "--out", "t.zip", "--steps", "0", "--json");
        Assert.Equal(ExitCodes.Usage, outcome.ExitCode);
        var json = outcome.Json();
        Assert.Equal(1, json.GetProperty("exitCode").GetInt32());
        Assert.Contains("--steps", json.GetProperty("error").GetString());
    }

    [Fact]
    public void MissingOrCorruptFilesGiveExitCode2NamingTheFile()
    {
        torch.set_num_threads(1);
        string dir = TinyModels.TempDir();
        string teacher = CliArtifacts.Teacher, dsno = CliArtifacts.Dsno;
        string png = Path.Combine(dir, "x.png");

        string missing = Path.Combine(dir, "missing.zip");
        CliHarness.AssertOneLineError(CliHarness.Run("sample", "--model", missing, "--png", png), ExitCodes.BadInput, missing, "not found");
        CliHarness.AssertOneLineError(CliHarness.Run("trajectories", "--teacher", missing, "--count", "4", "--out", dir), ExitCodes.BadInput, missing);

        string garbage = Path.Combine(dir, "garbage.zip");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 3000).Select(i => (byte)(i * 37)).ToArray());
        CliHarness.AssertOneLineError(CliHarness.Run("sample", "--model", garbage, "--png", png), ExitCodes.BadInput, garbage, "not a readable model");

        string truncated = Path.Combine(dir, "truncated.zip");
        var bytes = File.ReadAllBytes(dsno);
        File.WriteAllBytes(truncated, bytes.AsSpan(0, bytes.Length * 2 / 3).ToArray());
        CliHarness.AssertOneLineError(CliHarness.Run("sample", "--model", truncated, "--png", png), ExitCodes.BadInput, truncated);

        // A zip whose model weights were tampered with: the ML.NET layer's checks refuse it.
        string tampered = Path.Combine(dir, "tampered.zip");
        File.Copy(dsno, tampered);
        using (var zip = ZipFile.Open(tampered, ZipArchiveMode.Update))
        {
            var entry = zip.Entries.OrderByDescending(e => e.Length).First();
            long length = entry.Length;
            using var stream = entry.Open();
            stream.Seek(length / 2, SeekOrigin.Begin);
            stream.Write(new byte[64].Select(_ => (byte)0xFF).ToArray());
        }
        var tamperedRun = CliHarness.Run("sample", "--model", tampered, "--png", png);
        // Either refused (exit 2, naming the file) or, if the bytes hit weights only, loaded: never a crash or a stack trace.
        Assert.True(tamperedRun.ExitCode is 0 or 2, tamperedRun.Describe());
        if (tamperedRun.ExitCode == 2) CliHarness.AssertOneLineError(tamperedRun, ExitCodes.BadInput, tampered);

        // Models of another kind.
        CliHarness.AssertOneLineError(CliHarness.Run("fit", "--teacher", dsno, "--data", CliArtifacts.Trajectories, "--out", Path.Combine(dir, "d.zip")),
            ExitCodes.BadInput, dsno, "DSNO model, not a diffusion teacher");
        var ml = new MLContext(seed: 1);
        var view = ml.Data.LoadFromEnumerable(new[] { new NumberRow { X = 1 }, new NumberRow { X = 3 } });
        string normalizer = Path.Combine(dir, "normalizer.zip");
        ml.Model.Save(ml.Transforms.NormalizeMinMax("X").Fit(view), view.Schema, normalizer);
        CliHarness.AssertOneLineError(CliHarness.Run("sample", "--model", normalizer, "--png", png), ExitCodes.BadInput, normalizer, "not a DSNO or teacher model");

        // Training data that is missing or unreadable.
        string noData = Path.Combine(dir, "no-such-images.gz");
        CliHarness.AssertOneLineError(CliHarness.Run("teacher", "--data", noData, "--out", Path.Combine(dir, "t.zip")), ExitCodes.BadInput, noData);
        string badIdx = Path.Combine(dir, "bad-images-idx3-ubyte");
        File.WriteAllBytes(badIdx, new byte[] { 0, 0, 8, 3, 0, 0, 0, 9, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3 });
        CliHarness.AssertOneLineError(CliHarness.Run("teacher", "--data", badIdx, "--out", Path.Combine(dir, "t.zip")), ExitCodes.BadInput, badIdx);
        string emptyFolder = Path.Combine(dir, "empty");
        Directory.CreateDirectory(emptyFolder);
        CliHarness.AssertOneLineError(CliHarness.Run("fit", "--teacher", teacher, "--data", emptyFolder, "--out", Path.Combine(dir, "d.zip")),
            ExitCodes.BadInput, emptyFolder);
        string badIdv = Path.Combine(dir, "bad.idv");
        File.WriteAllText(badIdv, "not a binary data file");
        CliHarness.AssertOneLineError(CliHarness.Run("fit", "--teacher", teacher, "--data", badIdv, "--out", Path.Combine(dir, "d.zip")),
            ExitCodes.BadInput, badIdv);

        // Values the model cannot take.
        CliHarness.AssertOneLineError(CliHarness.Run("sample", "--model", dsno, "--times", "0.5,1.5", "--png", png), ExitCodes.BadInput, "--times", "1.5");
        CliHarness.AssertOneLineError(CliHarness.Run("sample", "--model", dsno, "--label", "3", "--png", png), ExitCodes.BadInput, "--label 3", "unconditional");
        CliHarness.AssertOneLineError(CliHarness.Run("trajectories", "--teacher", teacher, "--count", "4", "--times", "0.2,0.5,0", "--out", Path.Combine(dir, "t")),
            ExitCodes.BadInput, "--times");

        // --verbose adds the stack trace.
        var verbose = CliHarness.Run("sample", "--model", garbage, "--png", png, "--verbose");
        Assert.Equal(ExitCodes.BadInput, verbose.ExitCode);
        Assert.Contains("   at ", verbose.Stderr);
    }

    private sealed class NumberRow
    {
        public float X { get; set; }
    }
}
