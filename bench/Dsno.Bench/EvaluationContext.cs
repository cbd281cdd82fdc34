using System.Globalization;
using Dsno.Data;
using Dsno.Metrics;
using Dsno.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Bench;

/// <summary>
/// What every evaluation shares: the feature classifier, the reference features, the held-out noises (seed disjoint from the training
/// records) and the reference solver's frames on them (computed once and stored).
/// </summary>
public sealed class EvaluationContext : IDisposable
{
    private EvaluationContext(FeatureClassifier classifier, double[,] referenceFeatures, Tensor noise, Tensor referenceFrames)
    {
        Classifier = classifier;
        ReferenceFeatures = referenceFeatures;
        Noise = noise;
        ReferenceFrames = referenceFrames;
    }

    /// <summary>The feature extractor.</summary>
    public FeatureClassifier Classifier { get; }
    /// <summary>Features of the reference images.</summary>
    public double[,] ReferenceFeatures { get; }
    /// <summary>Held-out noises [N, C, H, W].</summary>
    public Tensor Noise { get; }
    /// <summary>The reference solve's frames at <see cref="TrajectoryStage.UnionTimes"/> [N, F, C, H, W]; the last is the image.</summary>
    public Tensor ReferenceFrames { get; }
    /// <summary>The reference solve's final images [N, C, H, W].</summary>
    public Tensor ReferenceImages => ReferenceFrames[.., ^1];

    /// <summary>Trains or loads the classifier, scores the real-data floor, and solves (or loads) the reference trajectories.</summary>
    public static EvaluationContext Create(BenchConfig config, BenchPaths paths, BenchData data, DiffusionTeacher teacher, int threads)
    {
        var classifierOptions = config.Classifier with { Threads = threads };
        var classifier = FeatureClassifier.TrainOrLoad(data.Train, data.Test, paths.ClassifierFolder, classifierOptions,
            BenchLog.Throttled<ClassifierTrainingProgress>(p => "classifier: " + p.Message, p => p.Epoch == p.Epochs || p.Epoch == 0, 30));
        BenchLog.Info("classifier: " + classifier.Description);
        using var referenceImages = data.Reference.ToTensor();
        var referenceFeatures = classifier.Features(referenceImages);

        using var floorImages = data.Floor.ToTensor();
        var floor = SampleQuality.Evaluate(classifier, floorImages, referenceFeatures);
        JsonFiles.Write(paths.DataInfo, new DataSummary(data.Train.Count, data.Test.Count, data.Reference.Count, data.Floor.Count, data.FloorDescription,
            classifier.TestAccuracy, classifier.Description, floor.FrechetDistance, floor.KernelDistance, floor.Precision, floor.Recall));
        BenchLog.Info("floor (real held-out images): " + floor);

        var a = config.Architecture;
        var noise = GaussianNoise.Sample(0, config.EvalSamples, a.Channels, a.Height, a.Width, config.EvalSeed);
        Tensor frames;
        if (File.Exists(paths.ReferenceFrames))
        {
            frames = TensorFile.Read(paths.ReferenceFrames);
            if (frames.shape[0] != config.EvalSamples || frames.shape[1] != TrajectoryStage.UnionTimes().Length)
                throw new InvalidDataException($"{paths.ReferenceFrames} has shape [{string.Join(", ", frames.shape)}], not the configured one; delete it");
        }
        else
        {
            var options = TrajectoryStage.Options(config) with { Seed = config.EvalSeed, BatchSize = config.EvalBatch };
            BenchLog.Info($"reference: solving {config.EvalSamples} held-out noises (seed {config.EvalSeed}) with {options.Solver} {options.Steps} steps + frame times");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var batch = TrajectoryGenerator.Generate(teacher, options, 0, config.EvalSamples);
            clock.Stop();
            if (!torch.allclose(batch.Noise, noise)) throw new InvalidOperationException("the reference solve did not start from the held-out noises");
            frames = batch.Frames.clone();
            TensorFile.Write(paths.ReferenceFrames, frames);
            JsonFiles.Write(paths.ReferenceInfo, new ReferenceSummary(config.EvalSamples, options.Solver, options.Steps,
                TrajectoryStage.EvaluationsPerTrajectory(teacher, config), clock.Elapsed.TotalSeconds, threads));
            BenchLog.Info(string.Create(CultureInfo.InvariantCulture, $"reference: done in {clock.Elapsed.TotalMinutes:0.0} min"));
        }
        return new EvaluationContext(classifier, referenceFeatures, noise, frames);
    }

    /// <summary>Index of a time in the reference frames.</summary>
    public static int FrameIndex(double t)
    {
        int k = Array.FindIndex(TrajectoryStage.UnionTimes(), u => Math.Abs(u - t) < 1e-9);
        return k >= 0 ? k : throw new ArgumentOutOfRangeException(nameof(t), t, "not a reference frame time");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Classifier.Dispose();
        Noise.Dispose();
        ReferenceFrames.Dispose();
    }
}
