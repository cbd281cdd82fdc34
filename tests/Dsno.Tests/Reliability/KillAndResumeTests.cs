using System.Diagnostics;
using Dsno.Tests.MLNetInfrastructure;
using Xunit.Abstractions;

namespace Dsno.Tests.Reliability;

/// <summary>
/// A worker process is killed with SIGKILL in the middle of trajectory generation and of both trainings (at several points), then the
/// same command is run again: the final records and weights must equal those of an uninterrupted run, byte for byte.
/// </summary>
public class KillAndResumeTests(ITestOutputHelper output)
{
    /// <summary>Starts the worker and kills it (SIGKILL) as soon as it prints <paramref name="killAtLine"/>; returns whether it was killed.</summary>
    private bool RunAndKillAt(string killAtLine, params string[] job)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ModelHostRunner.HostPath());
        start.ArgumentList.Add("--job");
        foreach (var a in job) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        _ = process.StandardError.ReadToEndAsync();
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null)
        {
            if (line == killAtLine)
            {
                process.Kill(entireProcessTree: true); // SIGKILL: no finally blocks, no flushing
                process.WaitForExit();
                output.WriteLine($"killed {job[0]} after '{line}'");
                return true;
            }
        }
        process.WaitForExit();
        return false;
    }

    private static void RunToEnd(params string[] job)
    {
        var result = ModelHostRunner.Run(new[] { "--job" }.Concat(job).ToArray());
        Assert.True(result.ExitCode == 0, result.StandardError);
    }

    [Fact]
    public void KilledTrainingsAndGenerationResumeToTheUninterruptedResult()
    {
        string dir = TinyModels.TempDir();
        string P(string name) => Path.Combine(dir, name);

        // Teacher training: reference, then killed at steps 3 and 7 and resumed.
        RunToEnd("teacher", P("ref-teacher.ckpt"), "10", P("ref-teacher.bin"));
        Assert.True(RunAndKillAt("step 3", "teacher", P("teacher.ckpt"), "10", P("teacher.bin")));
        Assert.True(RunAndKillAt("step 7", "teacher", P("teacher.ckpt"), "10", P("teacher.bin")));
        Assert.False(File.Exists(P("teacher.bin")));
        RunToEnd("teacher", P("teacher.ckpt"), "10", P("teacher.bin"));
        Assert.Equal(File.ReadAllBytes(P("ref-teacher.bin")), File.ReadAllBytes(P("teacher.bin")));

        // Trajectory generation: killed inside the second and the fourth shard.
        RunToEnd("generate", P("teacher.bin"), P("ref-shards"), "40", "8");
        Assert.True(RunAndKillAt("done 12", "generate", P("teacher.bin"), P("shards"), "40", "8"));
        Assert.True(RunAndKillAt("done 28", "generate", P("teacher.bin"), P("shards"), "40", "8"));
        RunToEnd("generate", P("teacher.bin"), P("shards"), "40", "8");
        var reference = Directory.GetFiles(P("ref-shards")).Select(Path.GetFileName).Order().ToArray();
        var resumed = Directory.GetFiles(P("shards")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(reference, resumed); // same shards, no temporary leftovers
        foreach (var name in reference)
            Assert.Equal(File.ReadAllBytes(Path.Combine(P("ref-shards"), name!)), File.ReadAllBytes(Path.Combine(P("shards"), name!)));

        // DSNO training from the shards.
        RunToEnd("dsno", P("teacher.bin"), P("shards"), P("ref-dsno.ckpt"), "8", P("ref-dsno.bin"));
        Assert.True(RunAndKillAt("step 2", "dsno", P("teacher.bin"), P("shards"), P("dsno.ckpt"), "8", P("dsno.bin")));
        Assert.True(RunAndKillAt("step 5", "dsno", P("teacher.bin"), P("shards"), P("dsno.ckpt"), "8", P("dsno.bin")));
        RunToEnd("dsno", P("teacher.bin"), P("shards"), P("dsno.ckpt"), "8", P("dsno.bin"));
        Assert.Equal(File.ReadAllBytes(P("ref-dsno.bin")), File.ReadAllBytes(P("dsno.bin")));
    }
}
