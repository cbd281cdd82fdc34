using System.Diagnostics;

namespace Dsno.Tests;

/// <summary>
/// A console program of this repository that the test project builds first (ProjectReference with ReferenceOutputAssembly="false"),
/// run as a separate process: a fresh runtime, and none of its package versions mixed into the tests' own.
/// </summary>
internal static class BuiltProgram
{
    /// <summary>The result of one run.</summary>
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        public override string ToString() => $"exit code {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
    }

    /// <summary>
    /// The program's assembly in the same configuration folder (bin/Release/net10.0/linux-x64, ...) of <paramref name="projectFolder"/>
    /// (relative to the repository root) as this test assembly's folder of tests/Dsno.Tests.
    /// </summary>
    public static string Locate(string projectFolder, string assemblyName)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var relative = new List<string>();
        for (var dir = here; dir is not null; dir = dir.Parent)
        {
            if (dir.Name == "Dsno.Tests" && dir.Parent?.Parent is { } root)
            {
                relative.Reverse();
                var candidate = Path.Combine(new[] { root.FullName, projectFolder }.Concat(relative).Append(assemblyName + ".dll").ToArray());
                if (File.Exists(candidate)) return candidate;
                throw new FileNotFoundException(
                    $"{assemblyName} is not built at {candidate}. Dsno.Tests.csproj needs a ProjectReference to {projectFolder} " +
                    "with ReferenceOutputAssembly=\"false\".", candidate);
            }
            relative.Add(dir.Name);
        }
        throw new FileNotFoundException($"Cannot place {assemblyName} relative to {AppContext.BaseDirectory}.");
    }

    /// <summary>The dotnet host that runs the tests (so that a program runs on the same runtime).</summary>
    public static string DotnetHost()
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return string.IsNullOrEmpty(dotnet) || !File.Exists(dotnet) ? "dotnet" : dotnet;
    }

    /// <summary>Runs <paramref name="assembly"/> with <paramref name="arguments"/>, killing it after <paramref name="timeout"/>.</summary>
    public static Result Run(string assembly, TimeSpan timeout, params string[] arguments) => Run(assembly, timeout, null, arguments);

    /// <summary>As <see cref="Run(string, TimeSpan, string[])"/>, with environment variables set for the process (null: removed).</summary>
    public static Result Run(string assembly, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment, params string[] arguments) =>
        Dotnet(null, timeout, environment, new[] { assembly }.Concat(arguments).ToArray());

    /// <summary>
    /// Runs the dotnet host with <paramref name="arguments"/> (an assembly and its arguments, or a command such as <c>build</c>) in
    /// <paramref name="workingDirectory"/> (null: this process's), with environment variables set (null: removed).
    /// </summary>
    public static Result Dotnet(string? workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        string what = arguments.FirstOrDefault() ?? "dotnet";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {what}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(what)} did not finish within {timeout.TotalMinutes:0.#} minutes.");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
