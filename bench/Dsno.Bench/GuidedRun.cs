namespace Dsno.Bench;

/// <summary>
/// The guided benchmark's stored result (<c>guided.json</c> in its output folder): the command that scored the rows, when it started,
/// its minutes in that process, and the rows, so that <c>--report-only</c> rewrites the section without scoring again.
/// </summary>
/// <param name="Command">The command line of the run that scored the rows.</param>
/// <param name="Started">When that run started.</param>
/// <param name="Minutes">Minutes that run spent in its process.</param>
/// <param name="Rows">The rows, in table order.</param>
public sealed record GuidedRun(string Command, DateTime Started, double Minutes, IReadOnlyList<GuidedResult> Rows)
{
    /// <summary>The file name in the output folder.</summary>
    public const string FileName = "guided.json";
}
