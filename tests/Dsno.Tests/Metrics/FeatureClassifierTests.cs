using Dsno.Data;
using Dsno.Metrics;
using TorchSharp;
using Xunit.Abstractions;

namespace Dsno.Tests.Metrics;

public class FeatureClassifierTests
{
    private readonly ITestOutputHelper output;

    public FeatureClassifierTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public void TrainedOnDigits_ReachesNinetyPercentTestAccuracy()
    {
        var classifier = MetricsTestData.Classifier;
        var (_, test) = MetricsTestData.DigitsSplit;
        output.WriteLine($"{classifier.Description}; trained in {MetricsTestData.TrainingSeconds:0.0} s");
        Assert.True(classifier.TestAccuracy >= 0.9, $"test accuracy {classifier.TestAccuracy}");
        Assert.Equal(classifier.Accuracy(test), classifier.TestAccuracy);
        Assert.Equal(64, classifier.FeatureDim);
        Assert.Contains("test accuracy", classifier.Description);
        Assert.Contains("digits", classifier.Description);
    }

    [Fact]
    public void Features_AreBatchedAndShaped_AndRefuseBadImages()
    {
        var classifier = MetricsTestData.Classifier;
        var (_, test) = MetricsTestData.DigitsSplit;
        using var images = test.ToTensor();
        var all = classifier.Features(images);
        Assert.Equal(test.Count, all.GetLength(0));
        Assert.Equal(classifier.FeatureDim, all.GetLength(1));
        // Batching must not change a row: compare with features of a 5-image slice taken past the first internal batch.
        using var slice = images.narrow(0, 300, 5);
        var part = classifier.Features(slice);
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < classifier.FeatureDim; j++) Assert.Equal(all[300 + i, j], part[i, j], 5);

        using var wrongShape = torch.zeros(4, 1, 16, 16);
        Assert.Throws<ArgumentException>(() => classifier.Features(wrongShape));
        using var withNaN = images.narrow(0, 0, 4).clone();
        withNaN[1, 0, 3, 3] = torch.tensor(float.NaN);
        Assert.Throws<ArgumentException>(() => classifier.Features(withNaN));
    }

    [Fact]
    public void CacheRoundTrip_GivesIdenticalFeatures_WithoutTraining()
    {
        var classifier = MetricsTestData.Classifier;
        var (train, test) = MetricsTestData.DigitsSplit;
        var events = new List<ClassifierTrainingProgress>();
        using var loaded = FeatureClassifier.TrainOrLoad(train, test, MetricsTestData.CacheDirectory, MetricsTestData.FastOptions, new ListProgress(events));
        Assert.DoesNotContain(events, e => e.Epoch > 0);
        Assert.Contains(events, e => e.Message.StartsWith("loaded", StringComparison.Ordinal));
        Assert.Equal(classifier.TestAccuracy, loaded.TestAccuracy);
        Assert.Equal(classifier.Description, loaded.Description);
        using var images = test.ToTensor();
        Assert.Equal(classifier.Features(images), loaded.Features(images));
    }

    [Fact]
    public void TamperedCache_IsRefused_ThenRetrainedToTheSameWeights()
    {
        var classifier = MetricsTestData.Classifier;
        var (train, test) = MetricsTestData.DigitsSplit;
        string key = FeatureClassifier.CacheKey(train, test, MetricsTestData.FastOptions);
        string original = Path.Combine(MetricsTestData.CacheDirectory, FeatureClassifier.CacheFileName(key));
        Assert.True(File.Exists(original));
        string folder = Path.Combine(TempFolder.Root, "tamper-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            CheckTamperedFilesInFolder(classifier, original, folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void CheckTamperedFilesInFolder(FeatureClassifier classifier, string original, string folder)
    {
        var (train, test) = MetricsTestData.DigitsSplit;
        string path = Path.Combine(folder, Path.GetFileName(original));
        var bytes = File.ReadAllBytes(original);

        // One flipped bit deep in the weights.
        var flipped = (byte[])bytes.Clone();
        flipped[^100] ^= 0x04;
        File.WriteAllBytes(path, flipped);
        var error = Assert.Throws<InvalidDataException>(() => FeatureClassifier.Load(path));
        Assert.Contains("SHA-256", error.Message);

        // Truncated file, bad magic, and a file for other data.
        File.WriteAllBytes(path + ".short", bytes[..(bytes.Length / 2)]);
        Assert.Throws<InvalidDataException>(() => FeatureClassifier.Load(path + ".short"));
        var badMagic = (byte[])bytes.Clone();
        badMagic[0] = (byte)'X';
        File.WriteAllBytes(path + ".magic", badMagic);
        Assert.Throws<InvalidDataException>(() => FeatureClassifier.Load(path + ".magic"));
        Assert.Throws<InvalidDataException>(() => FeatureClassifier.Load(original, expectedKey: new string('0', 64)));

        // TrainOrLoad reports the rejection, retrains (bit-identical at one thread) and replaces the bad file.
        var events = new List<ClassifierTrainingProgress>();
        using var retrained = FeatureClassifier.TrainOrLoad(train, test, folder, MetricsTestData.FastOptions, new ListProgress(events));
        Assert.Contains(events, e => e.Message.StartsWith("rejected", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Epoch == MetricsTestData.FastOptions.Epochs);
        using var images = test.ToTensor();
        Assert.Equal(classifier.Features(images), retrained.Features(images));
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
    }

    [Fact]
    public void CacheKey_ChangesWithDataAndOptions()
    {
        var (train, test) = MetricsTestData.DigitsSplit;
        var options = MetricsTestData.FastOptions;
        string key = FeatureClassifier.CacheKey(train, test, options);
        Assert.Equal(key, FeatureClassifier.CacheKey(train, test, options with { Threads = 2, Device = "cpu" }));
        Assert.NotEqual(key, FeatureClassifier.CacheKey(train.Take(train.Count - 1), test, options));
        Assert.NotEqual(key, FeatureClassifier.CacheKey(train, test, options with { Seed = options.Seed + 1 }));
        Assert.NotEqual(key, FeatureClassifier.CacheKey(train, test, options with { Epochs = options.Epochs + 1 }));
        var pixels = (float[])train.Pixels.Clone();
        pixels[17] = pixels[17] > 0 ? -0.5f : 0.5f;
        var altered = new ImageSet(pixels, train.Count, train.Channels, train.Height, train.Width, train.Labels, train.ClassCount, train.Name);
        Assert.NotEqual(key, FeatureClassifier.CacheKey(altered, test, options));
        Assert.NotEqual(FeatureClassifier.CacheFileName(key), FeatureClassifier.CacheFileName(FeatureClassifier.CacheKey(altered, test, options)));
    }

    private sealed class ListProgress(List<ClassifierTrainingProgress> events) : IProgress<ClassifierTrainingProgress>
    {
        public void Report(ClassifierTrainingProgress value)
        {
            lock (events) events.Add(value);
        }
    }
}
