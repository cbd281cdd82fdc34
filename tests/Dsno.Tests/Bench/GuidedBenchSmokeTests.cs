namespace Dsno.Tests.Bench;

/// <summary>
/// The guided benchmark's smoke run (its own class, so that xUnit runs it beside the main smoke run rather than after it: each runs
/// one torch thread in its own process).
/// </summary>
public class GuidedBenchSmokeTests
{
    [Fact]
    public void GuidedSmokeRunWritesItsSectionWithEveryVariantAndThePicture()
    {
        using var folder = new TempFolder();
        string report = folder.File("benchmarks.md");
        string bench = BuiltProgram.Locate("bench/Dsno.Bench", "Dsno.Bench");
        var run = BuiltProgram.Run(bench, TimeSpan.FromMinutes(10), "guided", "--smoke", "--out", folder.File("out"), "--report", report);
        Assert.True(run.ExitCode == 0, run.ToString());
        string text = File.ReadAllText(report);
        Assert.Contains("<!-- dsno-bench:guided-smoke:begin -->", text);
        Assert.Contains("guided --smoke", text);
        // Every method at both smoke scales, and a goals row per DSNO variant and w.
        foreach (string w in new[] { "0", "2" })
        {
            foreach (string method in new[] { "Teacher DDIM-50 (guided)", "Teacher DPM-Solver++(2M)-10 (guided)", "DSNO (a), one model per w",
                                              "DSNO (b), w as an input", "DSNO (b), w as an input, matched total budget" })
                Assert.Contains($"| {w} | {method} | ", text);
        }
        Assert.Contains("| 2 | Teacher DDIM-50 (guided) | 100 |", text);
        Assert.Contains("of 18 goal checks met.", text);
        Assert.True(File.Exists(folder.File("guided-smoke-precision-recall.png")));

        // --report-only rewrites the same section from the stored rows: the same table, and a line naming the rewrite.
        string table = Table(text);
        var rewrite = BuiltProgram.Run(bench, TimeSpan.FromMinutes(5), "guided", "--smoke", "--out", folder.File("out"), "--report", report, "--report-only");
        Assert.True(rewrite.ExitCode == 0, rewrite.ToString());
        string rewritten = File.ReadAllText(report);
        Assert.Equal(table, Table(rewritten));
        Assert.Contains("rewritten from that run's stored rows by", rewritten);
    }

    /// <summary>The rows of the results table (the lines that start with a w and a method).</summary>
    private static string Table(string text) =>
        string.Join("\n", text.Split('\n').Where(l => l.StartsWith("| 0 | ", StringComparison.Ordinal) || l.StartsWith("| 2 | ", StringComparison.Ordinal)));

    [Fact]
    public void ReportOnlyWithoutAStoredRunSaysWhatIsMissing()
    {
        using var folder = new TempFolder();
        string bench = BuiltProgram.Locate("bench/Dsno.Bench", "Dsno.Bench");
        var run = BuiltProgram.Run(bench, TimeSpan.FromMinutes(1), "guided", "--smoke", "--out", folder.File("empty"), "--report", folder.File("r.md"), "--report-only");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("guided.json", run.StandardOutput + run.StandardError);
        Assert.False(File.Exists(folder.File("r.md")));
    }

    [Theory]
    [InlineData("--w", "0,-1", "--w")]
    [InlineData("--dataset", "cifar10", "cifar10")]
    [InlineData("--threads", "0", "--threads")]
    [InlineData("--frames", "1", "--frames")]
    [InlineData("--w-power", "0", "--w-power")]
    public void GuidedRunRefusesBadOptions(string option, string value, string named)
    {
        string bench = BuiltProgram.Locate("bench/Dsno.Bench", "Dsno.Bench");
        var run = BuiltProgram.Run(bench, TimeSpan.FromMinutes(1), "guided", "--smoke", option, value);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(named, run.StandardOutput + run.StandardError);
    }
}
