using Dsno.Metrics;

namespace Dsno.MLNet;

/// <summary>Options of <see cref="DsnoMetrics.Evaluate(Microsoft.ML.MLContext, Microsoft.ML.IDataView, Microsoft.ML.IDataView, DsnoMetricsOptions)"/>.</summary>
public sealed class DsnoMetricsOptions
{
    /// <summary>Image column of the generated, reference and teacher views. Default "Image".</summary>
    public string ImageColumnName = DsnoColumnNames.Image;

    /// <summary>Class label column of the reference view, used to train the feature classifier. Default "Label".</summary>
    public string LabelColumnName = DsnoColumnNames.Label;

    /// <summary>The teacher's images for the same noise as the generated ones (same row order), or null.</summary>
    public Microsoft.ML.IDataView? TeacherOutput;

    /// <summary>Share of the reference rows held out from the classifier's training; their features are the FD reference. Default 0.2.</summary>
    public double HeldOutFraction = 0.2;

    /// <summary>Folder where the trained classifier is cached (keyed by a hash of the data and options). Default: the temp folder.</summary>
    public string? CacheDirectory = Path.Combine(Path.GetTempPath(), "dsno-feature-classifiers");

    /// <summary>Options of the feature classifier (seeded; default settings reach about 99% on the digits).</summary>
    public ClassifierOptions Classifier = new();

    /// <summary>Seed of the held-out split and of the KID subsets. Default 0.</summary>
    public int Seed;
}
