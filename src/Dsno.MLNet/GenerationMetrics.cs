namespace Dsno.MLNet;

/// <summary>
/// Quality of generated images against real ones, on the features of a small classifier trained on the reference data (no Inception
/// weights are available, so this is FD, not FID). Compare numbers only at equal <see cref="SampleCount"/>.
/// </summary>
public sealed class GenerationMetrics
{
    /// <summary>Frechet distance between Gaussian fits of the generated and the held-out reference features (lower is better).</summary>
    public double FrechetDistance { get; init; }

    /// <summary>Kernel distance (KID): unbiased squared MMD with the cubic polynomial kernel, averaged over subsets (lower is better).</summary>
    public double KernelDistance { get; init; }

    /// <summary>Standard deviation of <see cref="KernelDistance"/> over its subsets.</summary>
    public double KernelDistanceStd { get; init; }

    /// <summary>Improved precision (k-NN manifolds, k = 3): the share of generated samples inside the real manifold.</summary>
    public double Precision { get; init; }

    /// <summary>Improved recall (k = 3): the share of real samples inside the generated manifold.</summary>
    public double Recall { get; init; }

    /// <summary>Root mean square pixel difference to the teacher's images for the same noise (rows in the same order), when given.</summary>
    public double? RmsToTeacher { get; init; }

    /// <summary>The feature classifier: architecture, data and its test accuracy.</summary>
    public string FeatureExtractor { get; init; } = "";

    /// <summary>The classifier's accuracy on the held-out reference images.</summary>
    public double ClassifierAccuracy { get; init; }

    /// <summary>Generated images evaluated.</summary>
    public int SampleCount { get; init; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"FD {FrechetDistance:F3}, KID {KernelDistance:F4} ± {KernelDistanceStd:F4}, precision {Precision:F3}, recall {Recall:F3}" +
        (RmsToTeacher is { } r ? $", RMS to teacher {r:F4}" : "") + $" ({SampleCount} samples; {FeatureExtractor})";
}
