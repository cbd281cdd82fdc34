namespace Dsno.Bench;

/// <summary>The reference solve of the held-out noises.</summary>
/// <param name="Samples">Noises solved.</param>
/// <param name="Solver">Solver.</param>
/// <param name="Steps">Steps before inserting the frame times.</param>
/// <param name="Evaluations">Evaluations per trajectory.</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="Threads">Torch threads.</param>
public sealed record ReferenceSummary(int Samples, string Solver, int Steps, int Evaluations, double Seconds, int Threads);
