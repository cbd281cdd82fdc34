namespace Dsno.Bench;

/// <summary>One teacher solver on one step list, scored on the held-out noises (stored in <c>results/step-lists.json</c>).</summary>
/// <param name="Solver">Solver name.</param>
/// <param name="List">Step list: "uniform", "log-snr" or "karras".</param>
/// <param name="IsDefault">Whether the list is the solver's default (the one the main table uses).</param>
/// <param name="Steps">Solver steps.</param>
/// <param name="Evaluations">Network evaluations per image.</param>
/// <param name="Fd">Frechet distance to the held-out real features.</param>
/// <param name="RmsToTeacher">RMS pixel difference to the reference solve of the same noise.</param>
public sealed record StepListResult(string Solver, string List, bool IsDefault, int Steps, int Evaluations, double Fd, double RmsToTeacher);
