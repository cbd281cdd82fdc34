namespace Dsno.Cli.Infrastructure;

/// <summary>A bad or missing command-line argument found after parsing (exit code 1). The message is one line that says what to change.</summary>
/// <param name="message">The one-line message.</param>
public sealed class UsageException(string message) : Exception(message);
