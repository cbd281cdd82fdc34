namespace Dsno.Cli.Infrastructure;

/// <summary>
/// An input the arguments point to cannot be used (exit code 2): a missing or corrupt file, a model of another kind, a value the model
/// cannot take. The message is one line that names the file or value and says what to do.
/// </summary>
/// <param name="message">The one-line message.</param>
/// <param name="inner">The error that caused it (shown with <c>--verbose</c>), or null.</param>
public sealed class BadInputException(string message, Exception? inner = null) : Exception(message, inner);
