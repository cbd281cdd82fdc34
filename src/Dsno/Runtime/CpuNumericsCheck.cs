namespace Dsno.Runtime;

/// <summary>The outcome of <see cref="CpuNumerics.Check"/> at one torch thread count.</summary>
/// <param name="Threads">torch's intra-op thread count during the check.</param>
/// <param name="Probes">Every case that ran, in order.</param>
/// <param name="Route">The route chosen from them (before any later escalation by a network's gradient self-check).</param>
/// <param name="Elapsed">Time the check took.</param>
public sealed record CpuNumericsCheck(int Threads, IReadOnlyList<ConvolutionProbe> Probes, ConvolutionRoute Route, TimeSpan Elapsed)
{
    /// <summary>Every probe on the chosen route is right.</summary>
    public bool IsRight => Probes.Where(p => p.Route == Route).All(p => p.IsRight);
}
