namespace Dsno.Cli.Infrastructure;

/// <summary>A progress report of a long step, as the progress bar sees it.</summary>
/// <param name="Stage">What is running: "teacher", "dsno", "trajectories", "sample", "eval".</param>
/// <param name="Done">Units done so far (steps, records, images), counting those resumed from disk.</param>
/// <param name="Total">Units planned.</param>
/// <param name="Loss">Loss of the last training step, when training.</param>
public sealed record CliProgressEvent(string Stage, long Done, long Total, double? Loss = null);
