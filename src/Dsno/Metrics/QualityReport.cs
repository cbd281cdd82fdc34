using System.Globalization;

namespace Dsno.Metrics;

/// <summary>Sample-quality numbers of one set of generated images against a reference set, all in one feature space.</summary>
/// <param name="FrechetDistance">FD: squared Frechet distance between the Gaussians fitted to the generated and reference features (not FID: the extractor is <paramref name="FeatureExtractor"/>).</param>
/// <param name="KernelDistance">KID: mean unbiased MMD^2 (cubic polynomial kernel) over random subsets.</param>
/// <param name="KernelDistanceStd">Standard deviation of the per-subset MMD^2 estimates.</param>
/// <param name="Precision">Improved precision (k-NN manifold, Kynkaanniemi et al. 2019): fidelity.</param>
/// <param name="Recall">Improved recall: coverage of the reference.</param>
/// <param name="RmsToTeacher">Root mean square pixel difference to the teacher's images for the same noise, when those were given.</param>
/// <param name="SampleCount">Generated images evaluated.</param>
/// <param name="FeatureExtractor">Description of the classifier whose features were used, with its test accuracy.</param>
public sealed record QualityReport(double FrechetDistance, double KernelDistance, double KernelDistanceStd, double Precision, double Recall,
    double? RmsToTeacher, int SampleCount, string FeatureExtractor)
{
    /// <summary>One line with every number, invariant culture.</summary>
    public override string ToString()
    {
        string teacher = RmsToTeacher is double rms ? string.Create(CultureInfo.InvariantCulture, $", RMS to teacher {rms:0.0000}") : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"FD {FrechetDistance:0.0000}, KID {KernelDistance:0.00000} +- {KernelDistanceStd:0.00000}, precision {Precision:0.000}, recall {Recall:0.000}{teacher}, {SampleCount} samples; features: {FeatureExtractor}");
    }
}
