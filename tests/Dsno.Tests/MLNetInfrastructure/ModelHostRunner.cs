namespace Dsno.Tests.MLNetInfrastructure;

/// <summary>Starts the Dsno.ModelHost console app (built beside the tests) as a separate process.</summary>
internal static class ModelHostRunner
{
    /// <summary>The host's assembly: <c>DSNO_MODELHOST</c> if set, else the build beside the tests.</summary>
    public static string HostPath()
    {
        var overridden = Environment.GetEnvironmentVariable("DSNO_MODELHOST");
        return string.IsNullOrEmpty(overridden) ? BuiltProgram.Locate("tests/Dsno.ModelHost", "Dsno.ModelHost") : overridden;
    }

    /// <summary>Runs the host with <paramref name="arguments"/>, waiting at most two minutes.</summary>
    public static BuiltProgram.Result Run(params string[] arguments) => BuiltProgram.Run(HostPath(), TimeSpan.FromMinutes(2), arguments);
}
