using System.Diagnostics;

namespace Dsno.Tests.MLNetInfrastructure;

/// <summary>Starts the Dsno.ModelHost console app (built beside the tests) as a separate process.</summary>
internal static class ModelHostRunner
{
    /// <summary>The result of one run.</summary>
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        public override string ToString() => $"exit code {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
    }

    /// <summary>
    /// The host's assembly: <c>DSNO_MODELHOST</c> if set, else the same configuration folder of tests/Dsno.ModelHost as this test
    /// assembly's folder of tests/Dsno.Tests (the test project builds the host first through a ProjectReference).
    /// </summary>
    public static string HostPath()
    {
        var overridden = Environment.GetEnvironmentVariable("DSNO_MODELHOST");
        if (!string.IsNullOrEmpty(overridden)) return overridden;
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var relative = new List<string>();
        for (var dir = here; dir is not null; dir = dir.Parent)
        {
            if (dir.Name == "Dsno.Tests" && dir.Parent is not null)
            {
                relative.Reverse();
                var candidate = Path.Combine(new[] { dir.Parent.FullName, "Dsno.ModelHost" }.Concat(relative).Append("Dsno.ModelHost.dll").ToArray());
                if (File.Exists(candidate)) return candidate;
                throw new FileNotFoundException(
                    $"Dsno.ModelHost is not built at {candidate}. Dsno.Tests.csproj needs " +
                    "<ProjectReference Include=\"../Dsno.ModelHost/Dsno.ModelHost.csproj\" ReferenceOutputAssembly=\"false\" />.", candidate);
            }
            relative.Add(dir.Name);
        }
        throw new FileNotFoundException($"Cannot place Dsno.ModelHost relative to {AppContext.BaseDirectory}; set DSNO_MODELHOST.");
    }

    /// <summary>Runs the host with <paramref name="arguments"/>, waiting at most two minutes.</summary>
    public static Result Run(params string[] arguments)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(dotnet) || !File.Exists(dotnet)) dotnet = "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HostPath());
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Dsno.ModelHost.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("Dsno.ModelHost did not finish within two minutes.");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
