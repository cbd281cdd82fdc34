using Dsno.Cli.Infrastructure;

namespace Dsno.Tests.Cli;

/// <summary>Option values checked by the CLI itself before any work, and bugs that stay bugs.</summary>
public class CliOptionErrorTests
{
    [Fact]
    public void TooManyModesForTheTrajectoriesIsAUsageErrorNamingTheOption()
    {
        string output = Path.Combine(TinyModels.TempDir(), "d.zip");
        var outcome = CliHarness.Run("fit", "--teacher", CliArtifacts.Teacher, "--data", CliArtifacts.Trajectories, "--out", output, "--modes", "9", "--steps", "2");
        CliHarness.AssertOneLineError(outcome, ExitCodes.Usage, "--modes 9", "M/2 + 1");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void ANullArgumentIsAnInternalErrorNotAUsageError()
    {
        Assert.Equal(ExitCodes.InternalError, ErrorMapper.Map(new ArgumentNullException("model")).ExitCode);
        Assert.Equal(ExitCodes.Usage, ErrorMapper.Map(new ArgumentOutOfRangeException("steps", 0, "must be at least 1")).ExitCode);
    }
}
