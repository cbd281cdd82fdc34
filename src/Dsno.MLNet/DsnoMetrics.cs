using Dsno.Data;
using Dsno.Metrics;
using TorchSharp;

namespace Dsno.MLNet;

/// <summary>
/// An ML.NET-style evaluator for generative models: FD, KID, precision and recall of generated images against a labelled reference
/// set, on the penultimate features of a small classifier trained (seeded, cached) on part of the reference, so that sweeps over
/// <see cref="DsnoOptions"/> can keep the best model.
/// </summary>
public static class DsnoMetrics
{
    /// <summary>Evaluates <paramref name="generated"/> against <paramref name="reference"/> (which needs a Label column).</summary>
    public static GenerationMetrics Evaluate(MLContext ml, IDataView generated, IDataView reference, string imageColumnName = DsnoColumnNames.Image, IDataView? teacherOutput = null) =>
        Evaluate(ml, generated, reference, new DsnoMetricsOptions { ImageColumnName = imageColumnName, TeacherOutput = teacherOutput });

    /// <summary>Evaluates with every option given.</summary>
    public static GenerationMetrics Evaluate(MLContext ml, IDataView generated, IDataView reference, DsnoMetricsOptions options)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(options);
        if (reference.Schema.GetColumnOrNull(options.LabelColumnName) is null)
            throw new ArgumentOutOfRangeException(nameof(reference), $"the reference needs a '{options.LabelColumnName}' column to train the feature classifier");
        if (options.HeldOutFraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(options), options.HeldOutFraction, "HeldOutFraction must be in (0, 1)");

        var real = ImageColumnData.Read(reference, options.ImageColumnName, options.LabelColumnName, 0);
        var fake = ImageColumnData.Read(generated, options.ImageColumnName, null, 0, clamp: true);
        if (fake.Channels != real.Channels || fake.Height != real.Height || fake.Width != real.Width)
            throw new ArgumentOutOfRangeException(nameof(generated), $"generated images are {fake.Channels}x{fake.Height}x{fake.Width}, the reference {real.Channels}x{real.Height}x{real.Width}");
        var (train, test) = real.Split(options.HeldOutFraction, options.Seed);
        using var classifier = FeatureClassifier.TrainOrLoad(train, test, options.CacheDirectory, options.Classifier);

        using var scope = torch.NewDisposeScope();
        var teacher = options.TeacherOutput is null ? null : ImageColumnData.Read(options.TeacherOutput, options.ImageColumnName, null, 0, clamp: true);
        if (teacher is not null && teacher.Count != fake.Count)
            throw new ArgumentOutOfRangeException(nameof(options), $"the teacher output has {teacher.Count} rows but {fake.Count} images were generated");
        var report = SampleQuality.Evaluate(classifier, fake.ToTensor(), test.ToTensor(), teacher?.ToTensor(), seed: options.Seed);
        return new GenerationMetrics
        {
            FrechetDistance = report.FrechetDistance,
            KernelDistance = report.KernelDistance,
            KernelDistanceStd = report.KernelDistanceStd,
            Precision = report.Precision,
            Recall = report.Recall,
            RmsToTeacher = report.RmsToTeacher,
            FeatureExtractor = report.FeatureExtractor,
            ClassifierAccuracy = classifier.TestAccuracy,
            SampleCount = report.SampleCount,
        };
    }
}
