using System.Text.RegularExpressions;
using Dsno.Training;

namespace Dsno.Cli.Infrastructure;

/// <summary>Maps an exception to the tool's exit code and a one-line message for stderr.</summary>
public static partial class ErrorMapper
{
    /// <summary>The exit code and the one-line message (without the "error: " prefix) for <paramref name="error"/>.</summary>
    public static (int ExitCode, string Message) Map(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error switch
        {
            UsageException e => (ExitCodes.Usage, OneLine(e.Message)),
            BadInputException e => (ExitCodes.BadInput, OneLine(e.Message)),
            OperationCanceledException => (ExitCodes.Interrupted, "interrupted"),
            TrainingDivergedException e => (ExitCodes.BadInput, OneLine(e.Message)),
            FileNotFoundException e => (ExitCodes.BadInput, $"file '{e.FileName ?? "?"}' not found: check the path"),
            DirectoryNotFoundException e => (ExitCodes.BadInput, OneLine(e.Message) + " Check the path."),
            UnauthorizedAccessException e => (ExitCodes.BadInput, OneLine(e.Message) + " Check the file's permissions."),
            InvalidDataException e => (ExitCodes.BadInput, OneLine(e.Message)),
            IOException e => (ExitCodes.BadInput, OneLine(e.Message)),
            // A null argument is a bug in this tool, never a value the user gave.
            ArgumentNullException => Unexpected(error),
            // The ML.NET layer and the core check option values with ArgumentException: a value the user gave is out of range.
            ArgumentException e => (ExitCodes.Usage, "invalid value: " + ArgumentMessage(e.Message)),
            InvalidOperationException e => (ExitCodes.BadInput, OneLine(e.Message)),
            _ => Unexpected(error),
        };
    }

    private static (int, string) Unexpected(Exception error) =>
        (ExitCodes.InternalError, $"unexpected {error.GetType().Name}: {OneLine(error.Message)} (rerun with --verbose for the stack trace)");

    /// <summary>Collapses line breaks and runs of white space so that a message fits on one line.</summary>
    public static string OneLine(string message) => Whitespace().Replace(message ?? "", " ").Trim();

    /// <summary>
    /// An ArgumentException's message on one line without the " (Parameter 'x')" that ArgumentException appends (the value that
    /// ArgumentOutOfRangeException adds on a line of its own is kept).
    /// </summary>
    public static string ArgumentMessage(string message) => OneLine(ParameterSuffix().Replace(message, ""));

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\s*\(Parameter '[^']*'\)")]
    private static partial Regex ParameterSuffix();
}
