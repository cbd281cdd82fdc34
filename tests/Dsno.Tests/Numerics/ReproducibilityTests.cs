using Dsno.Tests.MLNetInfrastructure;

namespace Dsno.Tests.Numerics;

/// <summary>
/// Same seed and same torch thread count give bit-identical teacher and DSNO weights in separate processes, at 1 and at 2 threads
/// (results differ between thread counts: libtorch splits reductions differently).
/// </summary>
public sealed class ReproducibilityTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TrainingRepeatsBitForBitAcrossProcesses(int threads)
    {
        var first = ModelHostRunner.Run("--numerics", "teacher", threads.ToString(), "12");
        var second = ModelHostRunner.Run("--numerics", "teacher", threads.ToString(), "12");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        var line = FaultyCpuTests.TeacherLine(first);
        Assert.Matches("^teacher loss [0-9.E-]+ weights [0-9A-F]{64} dsno loss [0-9.E-]+ weights [0-9A-F]{64}$", line);
        Assert.Equal(line, FaultyCpuTests.TeacherLine(second));
    }

    [Fact]
    public void TorchThreadsSpinBrieflyUnlessTheUserChose()
    {
        // libgomp's long spin made 2-thread training 16 times slower on a shared 2-core machine, and no spin made 2 threads slower
        // than 1 on a quiet one (OpenMpWaitPolicy). The test process may carry the variables itself: the child must not inherit them.
        var unset = new Dictionary<string, string?> { ["OMP_WAIT_POLICY"] = null, ["GOMP_SPINCOUNT"] = null };
        var chosen = BuiltProgram.Run(ModelHostRunner.HostPath(), TimeSpan.FromMinutes(2), unset, "--numerics", "environment", "1");
        Assert.True(chosen.ExitCode == 0, chosen.ToString());
        Assert.Contains("OMP_WAIT_POLICY=(unset)", chosen.StandardOutput);
        Assert.Contains("GOMP_SPINCOUNT=30000", chosen.StandardOutput);

        var user = BuiltProgram.Run(ModelHostRunner.HostPath(), TimeSpan.FromMinutes(2),
            new Dictionary<string, string?> { ["OMP_WAIT_POLICY"] = "ACTIVE", ["GOMP_SPINCOUNT"] = null }, "--numerics", "environment", "1");
        Assert.Contains("OMP_WAIT_POLICY=ACTIVE", user.StandardOutput);
        Assert.Contains("GOMP_SPINCOUNT=(unset)", user.StandardOutput);

        var spin = BuiltProgram.Run(ModelHostRunner.HostPath(), TimeSpan.FromMinutes(2),
            new Dictionary<string, string?> { ["OMP_WAIT_POLICY"] = null, ["GOMP_SPINCOUNT"] = "5" }, "--numerics", "environment", "1");
        Assert.Contains("GOMP_SPINCOUNT=5", spin.StandardOutput);
    }
}
