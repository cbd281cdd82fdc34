namespace Dsno.Cli.Infrastructure;

/// <summary>The exit codes of the <c>dsno</c> tool.</summary>
public static class ExitCodes
{
    /// <summary>The command finished.</summary>
    public const int Success = 0;

    /// <summary>Bad or missing arguments.</summary>
    public const int Usage = 1;

    /// <summary>Bad input: a missing or corrupt file, a model of another kind, a value the model cannot take.</summary>
    public const int BadInput = 2;

    /// <summary>An unexpected failure (a bug): rerun with --verbose and report the stack trace.</summary>
    public const int InternalError = 3;

    /// <summary><c>dsno trajectories --check</c>: the trajectory set has gaps, overlaps or bad shards (listed in the output).</summary>
    public const int Incomplete = 4;

    /// <summary>Stopped by Ctrl+C or SIGTERM (128 + SIGINT, the shell convention); long steps leave a resumable state.</summary>
    public const int Interrupted = 130;
}
