using System.Globalization;
using Dsno.Metrics;
using Dsno.Networks;

namespace Dsno.Bench;

/// <summary>
/// What the guided benchmark takes from a data set: its images (<see cref="BenchData"/>: the reference images of the metrics and the floor),
/// the class-conditional teacher's architecture and training budget, the classifier's options and the default sizes of a run.
/// </summary>
/// <param name="Name">Data set key: <c>digits</c> or <c>fashion16</c>.</param>
/// <param name="Title">Name in the report's heading.</param>
/// <param name="Data">Images.</param>
/// <param name="Architecture">The teacher's U-Net, class-conditional with a null class for label dropout.</param>
/// <param name="TeacherLearningRate">The teacher's peak learning rate.</param>
/// <param name="TeacherBatch">The teacher's batch size.</param>
/// <param name="Classifier">The feature classifier's options (those of the main benchmark on this data set: its cached file is shared).</param>
/// <param name="StudentBatch">Batch size of the DSNO students.</param>
/// <param name="Defaults">Sizes of a run when the command line gives none.</param>
public sealed record GuidedDataset(string Name, string Title, BenchData Data, UNetOptions Architecture, double TeacherLearningRate, int TeacherBatch,
    ClassifierOptions Classifier, int StudentBatch, GuidedBench.Sizes Defaults)
{
    /// <summary>The data sets the guided benchmark knows.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "digits", "fashion16" };

    /// <summary>Loads a data set (installing Fashion-MNIST into <paramref name="outRoot"/>/packages when needed).</summary>
    public static GuidedDataset Load(string name, bool smoke, int threads, string outRoot)
    {
        var config = BenchConfig.For(name);
        var data = BenchData.Load(config, outRoot);
        double[] ws = smoke ? new[] { 0.0, 2.0 } : new[] { 0.0, 0.5, 1.0, 2.0, 4.0 };
        var classifier = smoke ? new ClassifierOptions { Epochs = 1, BatchSize = 64 } : config.Classifier;
        return name switch
        {
            // One residual block a level (the main benchmark's teacher has two): guidance doubles every solver's cost.
            "digits" => new GuidedDataset(name, "digits", data, config.Architecture with { ResBlocksPerLevel = 1, NumClasses = 10, NullClass = true },
                1e-3, 64, classifier, 32,
                new GuidedBench.Sizes(name, ws, smoke ? 20 : 1500, smoke ? 64 : 1024, smoke ? 10 : 500, smoke ? 100 : 500, threads, smoke)),
            // Budgets for the 2-core machine: about a third of the main fashion16 run's records per model (guided records cost two
            // evaluations per step), and the main benchmark's student batch.
            "fashion16" => new GuidedDataset(name, "Fashion-MNIST 16x16", data, config.Architecture with { ResBlocksPerLevel = 1, NumClasses = 10, NullClass = true },
                config.TeacherLearningRate, config.TeacherBatch, classifier, 16,
                new GuidedBench.Sizes(name, ws, smoke ? 20 : 2000, smoke ? 64 : 512, smoke ? 10 : 500, smoke ? 100 : 500, threads, smoke)),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "the guided benchmark knows: " + string.Join(", ", Names)),
        };
    }

    /// <summary>The teacher's architecture in words, for the report.</summary>
    public string DescribeArchitecture() => string.Create(CultureInfo.InvariantCulture,
        $"{Architecture.BaseChannels} base channels, [{string.Join(", ", Architecture.ChannelMultipliers)}], {Architecture.ResBlocksPerLevel} residual block(s) a level, " +
        $"attention at {string.Join(", ", Architecture.AttentionResolutions)}, dropout {Architecture.Dropout}");
}
