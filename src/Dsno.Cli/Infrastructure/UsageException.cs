namespace Dsno.Cli.Infrastructure;

/// <summary>A bad or missing command-line argument found after parsing (exit code 1). The message is one line that says what to change.</summary>
public sealed class UsageException : Exception
{
    /// <summary>Creates the exception with a one-line message.</summary>
    public UsageException(string message) : base(message) { }
}
