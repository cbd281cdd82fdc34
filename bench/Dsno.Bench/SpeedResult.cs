namespace Dsno.Bench;

/// <summary>Speed measurements, all taken in one process so that their ratios compare like with like.</summary>
/// <param name="MeasuredAt">Local time of the measurement.</param>
/// <param name="Threads">Torch intra-op threads.</param>
/// <param name="LoadAverageBefore">The machine's 1-minute load average before (other users share the cores).</param>
/// <param name="LoadAverageAfter">And after.</param>
/// <param name="TimingBatch">Images per timed generation call.</param>
/// <param name="Rounds">Interleaved rounds; the fastest is reported.</param>
/// <param name="Methods">Generation time of every method.</param>
/// <param name="Forward">Forward-pass costs of DSNO against its backbone.</param>
public sealed record SpeedResult(string MeasuredAt, int Threads, double LoadAverageBefore, double LoadAverageAfter, int TimingBatch, int Rounds,
    List<MethodSpeed> Methods, List<ForwardCost> Forward);

/// <summary>Generation time of one method.</summary>
/// <param name="Id">Method id.</param>
/// <param name="SecondsPerBatch">Fastest seconds for <see cref="SpeedResult.TimingBatch"/> images.</param>
/// <param name="Rounds">Seconds of every round.</param>
public sealed record MethodSpeed(string Id, double SecondsPerBatch, double[] Rounds);

/// <summary>One forward pass of DSNO at batch B over M times, against backbone passes.</summary>
/// <param name="B">Batch of noises.</param>
/// <param name="M">Time points of the DSNO model.</param>
/// <param name="DsnoSeconds">DSNO forward at batch B (B x M image slices).</param>
/// <param name="BackboneBatchSeconds">Backbone forward at batch B.</param>
/// <param name="BackboneSlicesSeconds">Backbone forward at batch M x B (the same number of image slices).</param>
/// <param name="NoTemporalSeconds">DSNO's own backbone pass with the temporal layers skipped (stem once, M x B slices after it).</param>
/// <param name="DsnoParameters">Parameters of DSNO.</param>
/// <param name="BackboneParameters">Parameters of the backbone.</param>
/// <param name="TemporalParameters">Parameters of the temporal layers.</param>
public sealed record ForwardCost(int B, int M, double DsnoSeconds, double BackboneBatchSeconds, double BackboneSlicesSeconds, double NoTemporalSeconds,
    long DsnoParameters, long BackboneParameters, long TemporalParameters);
