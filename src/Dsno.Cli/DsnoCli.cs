using System.CommandLine.Help;
using Dsno.Cli.Commands;

namespace Dsno.Cli;

/// <summary>
/// The <c>dsno</c> command line: verbs <c>teacher</c>, <c>trajectories</c>, <c>fit</c>, <c>sample</c>, <c>eval</c>, <c>export</c> and <c>doctor</c> over the Dsno.MLNet
/// estimators and transformers. <see cref="Run(string[], IAnsiConsole, TextWriter, TextWriter, CancellationToken)"/> runs one command
/// in-process and returns its exit code (see <see cref="ExitCodes"/>).
/// </summary>
public static class DsnoCli
{
    /// <summary>Runs one command line and returns its exit code.</summary>
    /// <param name="args">The arguments after the program name.</param>
    /// <param name="console">Where progress bars and human-readable results go.</param>
    /// <param name="stdout">Standard output (the JSON object with <c>--json</c>; help text).</param>
    /// <param name="stderr">Standard error (one-line error messages).</param>
    /// <param name="cancellationToken">Fired by Ctrl+C: long steps stop cleanly and leave a resumable state (exit code 130).</param>
    public static int Run(string[] args, IAnsiConsole console, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        Run(args, new CliContext(console, stdout, stderr, cancellationToken));

    /// <summary>Runs one command line in <paramref name="context"/> (tests pass an observer that sees every progress report).</summary>
    public static int Run(string[] args, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var root = CreateRootCommand(context);
        var quiet = (Option<bool>)root.Options.Single(o => o.Name == "--quiet");
        var json = (Option<bool>)root.Options.Single(o => o.Name == "--json");
        var verbose = (Option<bool>)root.Options.Single(o => o.Name == "--verbose");
        ParseResult parsed;
        try { parsed = root.Parse(args); }
        catch (Exception e)
        {
            context.Failure(ExitCodes.Usage, ErrorMapper.OneLine(e.Message), e);
            return ExitCodes.Usage;
        }
        context.Json = parsed.GetValue(json);
        context.Quiet = parsed.GetValue(quiet);
        context.Verbose = parsed.GetValue(verbose);
        if (parsed.Errors.Count > 0)
        {
            // "Required command was not provided" comes first for 'dsno bogus'; the unrecognised token says more.
            var error = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
            context.Failure(ExitCodes.Usage, ErrorMapper.OneLine(error.Message), null);
            return ExitCodes.Usage;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = context.Stdout, Error = context.Stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (Exception e)
        {
            var (code, message) = ErrorMapper.Map(e);
            if (code == ExitCodes.Interrupted && context.InterruptedHint is { } hint) message = "interrupted: " + hint;
            context.Failure(code, message, e);
            return code;
        }
    }

    /// <summary>The command tree, with each verb's action bound to <paramref name="context"/>.</summary>
    public static Command CreateRootCommand(CliContext context)
    {
        // A plain command named "dsno" (a RootCommand takes the executable's name, Dsno.Cli when run with dotnet).
        var root = new Command("dsno", "dsno: one-pass diffusion sampling (DSNO) with ML.NET. Train a teacher, generate its trajectories, fit DSNO, sample, evaluate and export to ONNX.")
        {
            new HelpOption { Recursive = true },
            new VersionOption(),
            new Option<bool>("--quiet", "-q") { Description = "No progress bars or informational lines.", Recursive = true },
            new Option<bool>("--json") { Description = "Print one machine-readable JSON object on stdout at the end (and nothing else there).", Recursive = true },
            new Option<bool>("--verbose", "-v") { Description = "Show stack traces with errors.", Recursive = true },
            new TeacherCommand(context),
            new TrajectoriesCommand(context),
            new FitCommand(context),
            new SampleCommand(context),
            new EvalCommand(context),
            new DoctorCommand(context),
            new ExportCommand(context),
        };
        return root;
    }
}
