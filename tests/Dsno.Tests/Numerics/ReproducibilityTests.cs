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
}
