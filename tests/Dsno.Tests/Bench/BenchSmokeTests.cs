namespace Dsno.Tests.Bench;

/// <summary>
/// The benchmark program (bench/Dsno.Bench) end to end at its smoke budgets on the embedded digits, in its own process (a
/// few minutes): every stage runs, the report holds every table and every method row, another section of the report file survives,
/// and a second run redoes no work.
/// </summary>
public class BenchSmokeTests
{
    private static readonly string[] Rows =
    {
        "DDIM 1 step", "DDIM 2 steps", "DDIM 4 steps", "DDIM 10 steps", "DDIM 20 (reference)", "DPM-Solver++(2M) 5 steps",
        "DPM-Solver++(2M) 10 steps", "DPM-Solver++(2M) 20 steps", "Heun 10 steps", "Heun 20 steps", "One-step distillation (KD)",
        "**DSNO M=2**", "**DSNO M=4**", "**DSNO M=8**", "Real held-out images (floor)",
    };

    [Fact]
    public void SmokeRunWritesEveryTableAndResumesWithoutRedoingWork()
    {
        using var folder = new TempFolder();
        string outRoot = folder.File("out"), report = folder.File("benchmarks.md");
        const string other = "<!-- dsno-bench:other:begin -->\nkept as it was\n<!-- dsno-bench:other:end -->";
        File.WriteAllText(report, "# Benchmarks\n\n" + other + "\n");
        string bench = BuiltProgram.Locate("bench/Dsno.Bench", "Dsno.Bench");
        string[] arguments = { "--dataset", "digits", "--smoke", "--threads", "1", "--out", outRoot, "--report", report };

        // A hang guard, not a speed check: on the shared 2-core machine the run takes 3 to 10 minutes.
        var first = BuiltProgram.Run(bench, TimeSpan.FromMinutes(12), arguments);
        Assert.True(first.ExitCode == 0, first.ToString());
        string text = File.ReadAllText(report);
        Assert.Contains(other, text);
        Assert.Contains("<!-- dsno-bench:digits-smoke:begin -->", text);
        Assert.Contains("--dataset digits --smoke", text);
        foreach (string heading in new[] { "### Table 1 analogue", "### Goals of issue 6", "### Table 3 analogue", "### Tables 4 and 5 analogues",
                                           "### Continuous-time decoding", "### Temporal power spectrum" })
            Assert.Contains(heading, text);
        foreach (string row in Rows) Assert.Contains("| " + row + " |", text);
        // The trajectory-count lever: its students read twice the records, every other student only the main ones.
        Assert.Contains("| DSNO M=4, cosine decay + pseudo-Huber, 2x trajectories | Cosine | PseudoHuber | 512 |", text);
        string log = first.StandardOutput + first.StandardError;
        Assert.Contains("student dsno-m4-cosine-huber-2x-records: 20 steps of batch 8 on 512 records", log);
        Assert.Contains("student dsno-m4-cosine-huber: 20 steps of batch 8 on 256 records", log);
        foreach (string picture in new[] { "samples", "spectrum", "trajectories", "loss-teacher", "loss-students" })
            Assert.True(File.Exists(folder.File($"digits-smoke-{picture}.png")), picture);

        // Resuming: every model file and result stays untouched.
        string root = Path.Combine(outRoot, "digits-smoke");
        var before = Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".bin", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith("method-", StringComparison.Ordinal))
            .ToDictionary(f => f, f => (File.GetLastWriteTimeUtc(f), File.ReadAllBytes(f)));
        Assert.True(before.Count >= 20, $"only {before.Count} model and result files");
        var second = BuiltProgram.Run(bench, TimeSpan.FromMinutes(4), arguments);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("skipping", second.StandardOutput + second.StandardError);
        foreach (var (file, (written, bytes)) in before)
        {
            Assert.Equal(written, File.GetLastWriteTimeUtc(file));
            Assert.Equal(bytes, File.ReadAllBytes(file));
        }
    }

    [Fact]
    public void UnknownDataSetIsRejectedWithItsName()
    {
        var run = BuiltProgram.Run(BuiltProgram.Locate("bench/Dsno.Bench", "Dsno.Bench"), TimeSpan.FromMinutes(1), "--dataset", "cifar");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("cifar", run.StandardOutput + run.StandardError);
    }
}
