namespace Dsno.Metrics;

/// <summary>
/// Evaluates generated images against reference images in the feature space of a <see cref="FeatureClassifier"/>: FD, KID and
/// improved precision/recall, plus the pixel RMS to the teacher's images for the same noise when given.
/// </summary>
/// <remarks>
/// FD is biased upward at small sample counts, so compare methods only at the same generated and reference counts, and report the
/// floor (real held-out images against the same reference) beside it.
/// </remarks>
public static class SampleQuality
{
    /// <summary>Evaluates <paramref name="generated"/> [N, C, H, W] against <paramref name="reference"/> [M, C, H, W], both in [-1, 1].</summary>
    /// <param name="classifier">Feature extractor; its image shape must match.</param>
    /// <param name="generated">Generated images, at least <paramref name="neighbours"/> + 1 of them.</param>
    /// <param name="reference">Real reference images (usually the test split), at least <paramref name="neighbours"/> + 1.</param>
    /// <param name="teacherImages">The teacher's images for the same noise in the same order as <paramref name="generated"/>, or null.</param>
    /// <param name="kernelSubsets">KID subsets.</param>
    /// <param name="kernelSubsetSize">Largest KID subset size.</param>
    /// <param name="neighbours">k of precision/recall.</param>
    /// <param name="seed">Seed of the KID subsets.</param>
    /// <exception cref="ArgumentException">A shape does not match, a set is too small, or an image holds NaN or infinite values.</exception>
    public static QualityReport Evaluate(FeatureClassifier classifier, Tensor generated, Tensor reference, Tensor? teacherImages = null,
        int kernelSubsets = 10, int kernelSubsetSize = 1000, int neighbours = 3, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(reference);
        CheckImages(classifier, reference, neighbours, nameof(reference));
        return Evaluate(classifier, generated, classifier.Features(reference), teacherImages, kernelSubsets, kernelSubsetSize, neighbours, seed);
    }

    /// <summary>
    /// As <see cref="Evaluate(FeatureClassifier, Tensor, Tensor, Tensor?, int, int, int, int)"/>, with the reference already turned into
    /// features by <c>classifier.Features</c> (so that a sweep computes them once).
    /// </summary>
    public static QualityReport Evaluate(FeatureClassifier classifier, Tensor generated, double[,] referenceFeatures, Tensor? teacherImages = null,
        int kernelSubsets = 10, int kernelSubsetSize = 1000, int neighbours = 3, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(referenceFeatures);
        if (neighbours < 1) throw new ArgumentOutOfRangeException(nameof(neighbours), neighbours, "must be at least 1");
        CheckImages(classifier, generated, neighbours, nameof(generated));
        if (referenceFeatures.GetLength(1) != classifier.FeatureDim)
            throw new ArgumentException($"reference features have {referenceFeatures.GetLength(1)} columns, the classifier gives {classifier.FeatureDim}", nameof(referenceFeatures));
        FeatureTensors.Check(referenceFeatures, neighbours + 1, nameof(referenceFeatures));

        double? rms = null;
        if (teacherImages is not null)
        {
            if (!teacherImages.shape.SequenceEqual(generated.shape))
                throw new ArgumentException($"teacher images [{string.Join(", ", teacherImages.shape)}] must have the generated images' shape [{string.Join(", ", generated.shape)}]", nameof(teacherImages));
            CheckFinite(teacherImages, nameof(teacherImages));
            using var scope = torch.NewDisposeScope();
            var difference = generated.to(ScalarType.Float64).cpu() - teacherImages.to(ScalarType.Float64).cpu();
            rms = Math.Sqrt(difference.Squared().mean().item<double>());
        }

        var generatedFeatures = classifier.Features(generated);
        double fd = FrechetDistance.Compute(FeatureStatistics.FromFeatures(generatedFeatures), FeatureStatistics.FromFeatures(referenceFeatures));
        var kid = KernelDistance.Compute(generatedFeatures, referenceFeatures, kernelSubsets, kernelSubsetSize, seed);
        var pr = PrecisionRecall.Compute(referenceFeatures, generatedFeatures, neighbours);
        return new QualityReport(fd, kid.Mean, kid.StandardDeviation, pr.Precision, pr.Recall, rms, (int)generated.shape[0], classifier.Description);
    }

    private static void CheckImages(FeatureClassifier classifier, Tensor images, int neighbours, string name)
    {
        if (images.dim() != 4 || images.shape[1] != classifier.Channels || images.shape[2] != classifier.Height || images.shape[3] != classifier.Width)
            throw new ArgumentException($"{name} must be [N, {classifier.Channels}, {classifier.Height}, {classifier.Width}] to match the classifier, got [{string.Join(", ", images.shape)}]", name);
        int needed = Math.Max(2, neighbours + 1);
        if (images.shape[0] < needed) throw new ArgumentException($"{name} needs at least {needed} images, got {images.shape[0]}", name);
        CheckFinite(images, name);
    }

    private static void CheckFinite(Tensor images, string name)
    {
        if (!images.is_floating_point()) throw new ArgumentException($"{name} must be floating point, got {images.dtype}", name);
        using var finite = torch.isfinite(images).all();
        if (!finite.item<bool>()) throw new ArgumentException($"{name} contains NaN or infinite values", name);
    }
}
