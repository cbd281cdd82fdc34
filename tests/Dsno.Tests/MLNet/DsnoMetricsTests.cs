using Dsno.Data;
using Dsno.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Dsno.Tests.MLNet;

public class DsnoMetricsTests
{
    private sealed class Row
    {
        [VectorType(1, 8, 8)] public float[] Image { get; set; } = Array.Empty<float>();
    }

    private static IDataView View(MLContext ml, ImageSet images, double noise, int seed)
    {
        var rng = new Random(seed);
        var rows = Enumerable.Range(0, images.Count).Select(i => new Row
        {
            Image = images.GetImage(i).Select(v => (float)(v + noise * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray(),
        }).ToList();
        return ml.Data.LoadFromEnumerable(rows);
    }

    [Fact]
    public void EvaluateIsZeroForTheReferenceItselfAndGrowsWithNoise()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var reference = ml.Data.LoadDigits();
        var options = new DsnoMetricsOptions { CacheDirectory = Path.Combine(TempFolder.Root, "metrics-cache") };
        // The evaluator holds out the same split: generated images equal to it must score FD ~ 0.
        var (_, heldOut) = Digits.Load().Split(options.HeldOutFraction, options.Seed);

        var same = DsnoMetrics.Evaluate(ml, View(ml, heldOut, 0, 1), reference, options);
        Assert.InRange(same.FrechetDistance, -1e-6, 1e-6);
        Assert.Equal(1.0, same.Precision, 6);
        Assert.Equal(1.0, same.Recall, 6);
        Assert.True(same.ClassifierAccuracy >= 0.9, $"classifier accuracy {same.ClassifierAccuracy}");
        Assert.Equal(heldOut.Count, same.SampleCount);

        var noisy = DsnoMetrics.Evaluate(ml, View(ml, heldOut, 0.3, 2), reference, options);
        var noisier = DsnoMetrics.Evaluate(ml, View(ml, heldOut, 0.6, 3), reference, options);
        Assert.True(same.FrechetDistance < noisy.FrechetDistance && noisy.FrechetDistance < noisier.FrechetDistance,
            $"FD {same.FrechetDistance} / {noisy.FrechetDistance} / {noisier.FrechetDistance}");
        Assert.True(noisy.KernelDistance < noisier.KernelDistance);

        options.TeacherOutput = View(ml, heldOut, 0, 1);
        var withTeacher = DsnoMetrics.Evaluate(ml, View(ml, heldOut, 0, 1), reference, options);
        Assert.Equal(0.0, withTeacher.RmsToTeacher!.Value, 9);
        Assert.Contains("accuracy", withTeacher.FeatureExtractor, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void EvaluateRefusesAReferenceWithoutLabels()
    {
        var ml = new MLContext(seed: 1);
        var images = View(ml, Digits.Load().Take(50), 0, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => DsnoMetrics.Evaluate(ml, images, images));
    }
}
