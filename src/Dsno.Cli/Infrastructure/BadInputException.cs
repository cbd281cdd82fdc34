namespace Dsno.Cli.Infrastructure;

/// <summary>
/// An input the arguments point to cannot be used (exit code 2): a missing or corrupt file, a model of another kind, a value the model
/// cannot take. The message is one line that names the file or value and says what to do.
/// </summary>
public sealed class BadInputException : Exception
{
    /// <summary>Creates the exception with a one-line message.</summary>
    public BadInputException(string message) : base(message) { }

    /// <summary>Creates the exception with a one-line message and the error that caused it (shown with <c>--verbose</c>).</summary>
    public BadInputException(string message, Exception inner) : base(message, inner) { }
}
