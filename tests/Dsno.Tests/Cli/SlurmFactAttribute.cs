namespace Dsno.Tests.Cli;

/// <summary>
/// A test that needs a running Slurm cluster, found through <c>SLURM_CONF</c> (as <c>deploy/slurm/local-cluster.sh</c> sets it) and
/// <c>sbatch</c> on the PATH. Without one it is skipped with the reason shown, unless <c>DSNO_REQUIRE_SLURM=1</c> (as <c>.ci/run</c> sets
/// it), where it runs and fails.
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    /// <summary>Skips the test when no cluster is reachable and none is required.</summary>
    public SlurmFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("DSNO_REQUIRE_SLURM") != "1" && MissingCluster() is { } reason)
            Skip = reason + ": run the tests under deploy/slurm/local-cluster.sh --install -- dotnet test ... (as .ci/run does)";
    }

    /// <summary>Why no cluster can be used, or null when one can.</summary>
    public static string? MissingCluster()
    {
        string? conf = Environment.GetEnvironmentVariable("SLURM_CONF");
        if (string.IsNullOrEmpty(conf) || !File.Exists(conf)) return "no Slurm cluster (SLURM_CONF names no slurm.conf)";
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        if (!path.Any(dir => File.Exists(Path.Combine(dir, "sbatch")))) return "no Slurm client (sbatch is not on the PATH)";
        return null;
    }
}
