using Dsno.Cli.Infrastructure;
using Dsno.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Dsno.Tests.Cli;

/// <summary>
/// <c>--guidance-range</c>: trajectories with a w per record, a w-conditioned DSNO fitted on them through the tool, and sampling it at
/// any w; bad values, resumes with other settings and mixed data are refused with one-line errors.
/// </summary>
public class CliGuidanceRangeTests
{
    public static TheoryData<string> BadRanges => new() { "4,1", "2,2", "-1,2", "0,-1", "NaN,2", "0,Infinity", "2", "0,1,2", "a,b", "0;4", "" };

    [Theory]
    [MemberData(nameof(BadRanges))]
    public void BadGuidanceRangesAreUsageErrorsNamingTheOption(string range) =>
        CliHarness.AssertOneLineError(CliHarness.Run("trajectories", "--teacher", "t.zip", "--count", "4", "--out", "d", "--guidance-range", range),
            ExitCodes.Usage, "--guidance-range");

    [Fact]
    public void GuidanceAndGuidanceRangeAreExclusive() =>
        CliHarness.AssertOneLineError(CliHarness.Run("trajectories", "--teacher", "t.zip", "--count", "4", "--out", "d", "--guidance", "1", "--guidance-range", "0,4"),
            ExitCodes.Usage, "--guidance", "--guidance-range", "not both");

    [Fact]
    public void GuidanceRangeNeedsAGuidableTeacher()
    {
        torch.set_num_threads(1);
        string dir = TinyModels.TempDir();
        CliHarness.AssertOneLineError(CliHarness.Run("trajectories", "--teacher", CliArtifacts.Teacher, "--count", "4", "--guidance-range", "0,4",
            "--out", Path.Combine(dir, "u")), ExitCodes.BadInput, "--guidance-range [0, 4]", "unconditional");
        Assert.False(Directory.Exists(Path.Combine(dir, "u")));
        string noDropout = Path.Combine(dir, "no-dropout.zip");
        CliHarness.Ok(CliHarness.TinyTeacher(noDropout, 2, "--conditional", "--label-dropout", "0", "--quiet"));
        CliHarness.AssertOneLineError(CliHarness.Run("trajectories", "--teacher", noDropout, "--count", "4", "--guidance-range", "0.5,2",
            "--out", Path.Combine(dir, "n")), ExitCodes.BadInput, "--guidance-range [0.5, 2]", "without label dropout");
        Assert.False(Directory.Exists(Path.Combine(dir, "n")));
    }

    private static string[] Trajectories(string teacher, string output, long first, int count, params string[] extra) =>
        new[]
        {
            "trajectories", "--teacher", teacher, "--first", first.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--count", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "--shard-size", "8", "--solver", "ddim",
            "--solver-steps", "3", "--seed", "4", "--threads", "1", "--out", output,
        }.Concat(extra).ToArray();

    [Fact]
    public void GuidanceRangeTrajectoriesFitAWConditionedDsnoThatSamplesAtAnyW()
    {
        torch.set_num_threads(1);
        string dir = TinyModels.TempDir();
        var ml = new MLContext(seed: 1);
        string teacherZip = Path.Combine(dir, "teacher.zip");
        CliHarness.Ok(CliHarness.TinyTeacher(teacherZip, 3, "--conditional", "--quiet"));

        // One run of 16 records at w drawn from [0, 4]: every shard carries each record's w, the one drawn for (seed, i).
        string whole = Path.Combine(dir, "whole");
        var json = CliHarness.Ok(Trajectories(teacherZip, whole, 0, 16, "--guidance-range", "0,4", "--json")).Json();
        Assert.Equal(new[] { 0.0, 4.0 }, json.GetProperty("guidanceRange").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("guidance").ValueKind);
        var folder = TrajectoryShardFolder.OpenExisting(whole);
        Assert.Equal(new[] { 0f, 4f }, folder.Settings.GuidanceRange);
        var scales = folder.CompleteShards().SelectMany(s => ml.Data.LoadFromBinary(s.File).GetColumn<float>(DsnoColumnNames.Guidance)).ToArray();
        Assert.Equal(Enumerable.Range(0, 16).Select(i => DsnoDataCatalog.GuidanceOf(4, i, 0, 4)).ToArray(), scales);
        Assert.All(scales, w => Assert.InRange(w, 0f, 4f));
        Assert.True(scales.Max() - scales.Min() > 1, $"the scales should spread over [0, 4]: {string.Join(", ", scales)}");

        // The same records made in two seed ranges, or after a Ctrl+C and a rerun, are the same files, byte for byte.
        var expected = CliResumeTests.Shards(whole);
        string split = Path.Combine(dir, "split");
        CliHarness.Ok(Trajectories(teacherZip, split, 8, 8, "--guidance-range", "0,4", "--quiet"));
        CliHarness.Ok(Trajectories(teacherZip, split, 0, 8, "--guidance-range", "0,4", "--quiet"));
        CliResumeTests.AssertSameFiles(expected, split);
        string interrupted = Path.Combine(dir, "interrupted");
        using (var cancel = new CancellationTokenSource())
        {
            var stopped = CliHarness.Run(e => { if (e.Stage == "trajectories" && e.Done >= 12) cancel.Cancel(); }, cancel.Token,
                Trajectories(teacherZip, interrupted, 0, 16, "--guidance-range", "0,4"));
            Assert.Equal(ExitCodes.Interrupted, stopped.ExitCode);
            Assert.Single(Directory.GetFiles(interrupted, "*.idv"));
        }
        CliHarness.Ok(Trajectories(teacherZip, interrupted, 0, 16, "--guidance-range", "0,4", "--quiet"));
        CliResumeTests.AssertSameFiles(expected, interrupted);

        // A resume with another range, with one w, or with no guidance at all is refused: the folder would mix two settings.
        CliHarness.AssertOneLineError(CliHarness.Run(Trajectories(teacherZip, whole, 0, 24, "--guidance-range", "0,2")),
            ExitCodes.BadInput, whole, "guidance scales w drawn per record from [0, 4]", "this run: guidance scales w drawn per record from [0, 2]");
        CliHarness.AssertOneLineError(CliHarness.Run(Trajectories(teacherZip, whole, 0, 24, "--guidance", "2")),
            ExitCodes.BadInput, "from [0, 4]", "this run: guidance scale w = 2");
        CliHarness.AssertOneLineError(CliHarness.Run(Trajectories(teacherZip, whole, 0, 24)), ExitCodes.BadInput, "from [0, 4]", "this run: guidance scale w = 0");
        string plain = Path.Combine(dir, "plain");
        CliHarness.Ok(Trajectories(teacherZip, plain, 0, 8, "--quiet"));
        CliHarness.AssertOneLineError(CliHarness.Run(Trajectories(teacherZip, plain, 0, 8, "--guidance-range", "0,4")),
            ExitCodes.BadInput, "guidance scale w = 0", "this run: guidance scales w drawn per record from [0, 4]");

        // fit: a w-conditioned DSNO over the scales of the data, without --guidance; --guidance and mixed data are refused.
        string dsnoZip = Path.Combine(dir, "dsno.zip");
        var fit = CliHarness.Ok(CliHarness.TinyFit(teacherZip, whole, dsnoZip, 4, "--json")).Json();
        var trained = fit.GetProperty("guidanceRange").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(new double[] { scales.Min(), scales.Max() }, trained);
        CliHarness.AssertOneLineError(CliHarness.Run(CliHarness.TinyFit(teacherZip, whole, Path.Combine(dir, "x.zip"), 2, "--guidance", "2")),
            ExitCodes.BadInput, "--guidance 2", "w-conditioned over w in [0, 4]", "drop --guidance");
        CliHarness.AssertOneLineError(CliHarness.Run(CliHarness.TinyFit(teacherZip, whole, Path.Combine(dir, "y.zip"), 2).Concat(new[] { "--data", plain }).ToArray()),
            ExitCodes.BadInput, "per-record guidance scales");
        Assert.False(File.Exists(Path.Combine(dir, "x.zip")));

        // sample: the w is required, two w give two sets of images, the same w the same ones, and a w outside the trained range is
        // answered with a warning.
        string png = Path.Combine(dir, "s.png");
        CliHarness.AssertOneLineError(CliHarness.Run("sample", "--model", dsnoZip, "--count", "4", "--png", png),
            ExitCodes.Usage, "--guidance is required", "trained on w in");
        CliHarness.AssertOneLineError(CliHarness.Run("eval", "--model", dsnoZip, "--reference", "digits", "--count", "4"),
            ExitCodes.Usage, "--guidance is required", "trained on w in");
        float[][] Images(string w, string name)
        {
            string idv = Path.Combine(dir, name);
            var outcome = CliHarness.Ok("sample", "--model", dsnoZip, "--count", "4", "--label", "3", "--idv", idv, "--guidance", w, "--threads", "1", "--json");
            Assert.Equal(double.Parse(w, System.Globalization.CultureInfo.InvariantCulture), outcome.Json().GetProperty("guidance").GetDouble());
            Assert.Equal(trained, outcome.Json().GetProperty("guidanceRange").EnumerateArray().Select(e => e.GetDouble()));
            Assert.DoesNotContain("warning", outcome.Stderr);
            return CliHarness.Column(ml.Data.LoadFromBinary(idv), DsnoColumnNames.Image);
        }
        double lowW = Math.Ceiling(scales.Min() * 10) / 10, highW = Math.Floor(scales.Max() * 10) / 10;
        var low = Images(lowW.ToString(System.Globalization.CultureInfo.InvariantCulture), "low.idv");
        var high = Images(highW.ToString(System.Globalization.CultureInfo.InvariantCulture), "high.idv");
        var lowAgain = Images(lowW.ToString(System.Globalization.CultureInfo.InvariantCulture), "low2.idv");
        Assert.Equal(0, CliHarness.MaxAbsDifference(low, lowAgain));
        double apart = CliHarness.MaxAbsDifference(low, high);
        Assert.True(apart > 1e-3, $"images at w = {lowW} and w = {highW} differ by at most {apart}");

        var outside = CliHarness.Ok("sample", "--model", dsnoZip, "--count", "2", "--label", "3", "--png", png, "--guidance", "9", "--threads", "1", "--json");
        Assert.Equal(9.0, outside.Json().GetProperty("guidance").GetDouble());
        var warnings = outside.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(warnings);
        Assert.StartsWith("warning: ", warnings[0]);
        Assert.Contains("w = 9 is outside the range", warnings[0]);
        Assert.True(File.Exists(png));

        // export: the ONNX file takes w as an input and matches the model (the tool checks before writing).
        string onnx = Path.Combine(dir, "dsno.onnx");
        var export = CliHarness.Ok("export", "--model", dsnoZip, "--onnx", onnx, "--check", "2", "--threads", "1", "--json").Json();
        Assert.Equal(trained, export.GetProperty("guidanceRange").EnumerateArray().Select(e => e.GetDouble()));
        Assert.True(export.GetProperty("maxAbsDifference").GetDouble() <= 1e-4);
        Assert.True(File.Exists(onnx));
    }
}
