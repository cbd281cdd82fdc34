namespace Dsno.Metrics;

/// <summary>A kernel inception-style distance (KID) estimate: the mean and spread of the unbiased MMD^2 over random subsets.</summary>
/// <param name="Mean">Mean of the per-subset unbiased MMD^2 estimates (may be slightly negative when the sets match).</param>
/// <param name="StandardDeviation">Population standard deviation (divisor = number of subsets) of the per-subset estimates.</param>
/// <param name="Subsets">Subsets drawn.</param>
/// <param name="SubsetSize">Samples drawn from each set per subset.</param>
public readonly record struct KernelDistanceEstimate(double Mean, double StandardDeviation, int Subsets, int SubsetSize);
