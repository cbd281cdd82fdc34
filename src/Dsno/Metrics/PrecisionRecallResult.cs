namespace Dsno.Metrics;

/// <summary>Improved precision and recall (Kynkaanniemi et al. 2019).</summary>
/// <param name="Precision">Fraction of generated samples inside the real manifold estimate (fidelity).</param>
/// <param name="Recall">Fraction of real samples inside the generated manifold estimate (coverage).</param>
/// <param name="K">The neighbour index whose distance sets each hypersphere radius.</param>
public readonly record struct PrecisionRecallResult(double Precision, double Recall, int K);
