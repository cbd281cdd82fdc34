using Dsno.MLNet;
using Dsno.Tests.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using Xunit.Abstractions;

namespace Dsno.Tests.Onnx;

/// <summary>A DSNO export inside a stock ML.NET pipeline: ApplyOnnxModel runs one row per call on flattened vector columns.</summary>
public class ApplyOnnxModelTests(ITestOutputHelper output)
{
    private static readonly object Gate = new();
    private static DsnoTransformer? _unconditional, _conditional;

    internal static DsnoTransformer Fitted(bool conditional)
    {
        lock (Gate)
        {
            torch.set_num_threads(1);
            var teacher = conditional ? MlNetModels.ConditionalTeacher : MlNetModels.Teacher;
            ref var slot = ref conditional ? ref _conditional : ref _unconditional;
            if (slot is null)
            {
                var ml = new MLContext(seed: 2);
                slot = ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, steps: 10)).Fit(MlNetModels.Trajectories(ml, teacher, 64));
            }
            return slot;
        }
    }

    [Fact]
    public void ApplyOnnxModelGivesTheTransformersImages()
    {
        var dsno = Fitted(conditional: false);
        using var folder = new TempFolder();
        string path = Export(dsno, folder);
        var ml = new MLContext(seed: 0);
        IDataView noise = ml.Data.GaussianNoise(rows: 20, channels: 1, height: 8, width: 8, seed: 4);
        // The ONNX input is named 'noise'; ApplyOnnxModel feeds each row as a batch of one ([1, 1, 8, 8] from 64 values).
        var pipeline = ml.Transforms.CopyColumns("noise", "Noise")
            .Append(ml.Transforms.ApplyOnnxModel(new[] { "image", "trajectory" }, new[] { "noise" }, path));
        var onnxRows = pipeline.Fit(noise).Transform(noise);

        var images = MlNetModels.Column(onnxRows, "image");
        Assert.Equal(20, images.Length);
        Assert.Equal(64, images[0].Length);
        Assert.Equal(4 * 64, MlNetModels.Column(onnxRows, "trajectory")[0].Length);
        AssertSameOutputs(dsno, noise, onnxRows, trajectories: true);
    }

    [Fact]
    public void ApplyOnnxModelTakesLabelsAsInt64()
    {
        var dsno = Fitted(conditional: true);
        using var folder = new TempFolder();
        string path = Export(dsno, folder);
        var ml = new MLContext(seed: 0);
        var noise = LabelledNoise(ml, rows: 20, seed: 4, i => i % dsno.ClassCount);
        // Zero-based int classes. The ONNX input 'labels' is int64 [N]: ApplyOnnxModel feeds a scalar column as [1, 1] but a vector
        // column of one value as [1], so the label is converted to int64 and then made a one-value vector by Concatenate.
        var pipeline = ml.Transforms.CopyColumns("noise", "Noise")
            .Append(ml.Transforms.Conversion.ConvertType("label64", "Label", DataKind.Int64))
            .Append(ml.Transforms.Concatenate("labels", "label64"))
            .Append(ml.Transforms.ApplyOnnxModel(new[] { "image" }, new[] { "noise", "labels" }, path));
        AssertSameOutputs(dsno, noise, pipeline.Fit(noise).Transform(noise), trajectories: false);
    }

    [Fact]
    public void ApplyDsnoOnnxModelBuildsTheStockChain()
    {
        var dsno = Fitted(conditional: true);
        using var folder = new TempFolder();
        string path = Export(dsno, folder);
        var ml = new MLContext(seed: 0);
        var noise = LabelledNoise(ml, rows: 12, seed: 6, i => (i * 7) % dsno.ClassCount);
        var estimator = ml.Transforms.ApplyDsnoOnnxModel(ml, path, labelColumnName: "Label");
        Assert.Equal(dsno.Model.FrameTimes, estimator.Metadata.FrameTimes);
        var fitted = estimator.Fit(noise);
        var chain = Assert.IsAssignableFrom<IEnumerable<ITransformer>>(fitted);
        Assert.IsType<Microsoft.ML.Transforms.Onnx.OnnxTransformer>(chain.Last());
        var onnxRows = fitted.Transform(noise);
        AssertSameOutputs(dsno, noise, onnxRows, trajectories: true);

        // A chain of stock transformers: it saves and loads like any ML.NET model and gives the same images.
        string zip = folder.File("onnx-chain.zip");
        ml.Model.Save(fitted, noise.Schema, zip);
        var reloaded = new MLContext().Model.Load(zip, out _);
        Assert.Equal(MlNetModels.Column(onnxRows, "image"), MlNetModels.Column(reloaded.Transform(noise), "image"));
    }

    [Fact]
    public void ApplyDsnoOnnxModelFeedsTheGuidanceColumnOfAWConditionedExport()
    {
        torch.set_num_threads(1);
        using var model = OnnxTestModels.PerturbedGuided(OnnxTestModels.Small8(classes: 3), 4, seed: 31);
        using var folder = new TempFolder();
        string path = folder.File("guided.onnx");
        model.ExportOnnx(path);
        var ml = new MLContext(seed: 0);
        var noiseRows = MlNetModels.Column(ml.Data.GaussianNoise(8, 1, 8, 8, seed: 3), "Noise");
        var rows = noiseRows.Select((n, i) => new GuidedNoiseRow { Noise = n, Label = i % 3, Guidance = 0.5f * i }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);

        var estimator = ml.Transforms.ApplyDsnoOnnxModel(ml, path, labelColumnName: "Label");
        Assert.Equal(new[] { 0.0, 4.0 }, estimator.Metadata.GuidanceRange);
        var images = MlNetModels.Column(estimator.Fit(data).Transform(data), "image");

        using var noise = torch.tensor(rows.SelectMany(r => r.Noise).ToArray()).reshape(8, 1, 8, 8);
        using var labels = torch.tensor(rows.Select(r => (long)r.Label).ToArray());
        using var guidance = torch.tensor(rows.Select(r => r.Guidance).ToArray());
        using var expected = model.Generate(noise, labels, guidance)[.., ^1].reshape(8, -1);
        var want = Enumerable.Range(0, 8).Select(i => expected[i].data<float>().ToArray()).ToArray();
        double difference = MaxAbs(want, images);
        output.WriteLine($"w-conditioned: max |ApplyOnnxModel - DsnoModel| = {difference:E2}");
        Assert.InRange(difference, 0, 1e-4);

        // Without a guidance column the estimator says which column it needs.
        var plain = ml.Data.LoadFromEnumerable(rows.Select(r => new LabelledNoiseRow { Noise = r.Noise, Label = r.Label }));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(plain));
        Assert.Contains("'Guidance'", error.Message);
    }

    [Fact]
    public void QueryTimeTransformerExportsItsOwnFrames()
    {
        var dsno = Fitted(conditional: false).WithQueryTimes(0.9f, 0.4f, 0.1f, 0f);
        using var folder = new TempFolder();
        string path = Export(dsno, folder);
        var ml = new MLContext(seed: 0);
        IDataView noise = ml.Data.GaussianNoise(rows: 6, channels: 1, height: 8, width: 8, seed: 5);
        var estimator = ml.Transforms.ApplyDsnoOnnxModel(ml, path);
        Assert.Equal(dsno.OutputTimes, estimator.Metadata.FrameTimes);
        AssertSameOutputs(dsno, noise, estimator.Fit(noise).Transform(noise), trajectories: true);
    }

    private static string Export(DsnoTransformer dsno, TempFolder folder)
    {
        string path = folder.File("dsno.onnx");
        dsno.ExportOnnx(path);
        return path;
    }

    private static IDataView LabelledNoise(MLContext ml, int rows, int seed, Func<int, int> label)
    {
        var noiseRows = MlNetModels.Column(ml.Data.GaussianNoise(rows, 1, 8, 8, seed), "Noise");
        return ml.Data.LoadFromEnumerable(noiseRows.Select((n, i) => new LabelledNoiseRow { Noise = n, Label = label(i) }));
    }

    /// <summary>The ONNX rows' image (and trajectory) columns equal the transformer's Image (and Trajectory) within 1e-4.</summary>
    private void AssertSameOutputs(DsnoTransformer dsno, IDataView noise, IDataView onnxRows, bool trajectories)
    {
        var expected = dsno.Transform(noise);
        double difference = MaxAbs(MlNetModels.Column(expected, "Image"), MlNetModels.Column(onnxRows, "image"));
        if (trajectories) difference = Math.Max(difference, MaxAbs(MlNetModels.Column(expected, "Trajectory"), MlNetModels.Column(onnxRows, "trajectory")));
        output.WriteLine($"max |ApplyOnnxModel - DsnoTransformer| = {difference:E2}");
        Assert.InRange(difference, 0, 1e-4);
    }

    private sealed class LabelledNoiseRow
    {
        [VectorType(1, 8, 8)]
        public float[] Noise { get; set; } = Array.Empty<float>();

        public int Label { get; set; }
    }

    private sealed class GuidedNoiseRow
    {
        [VectorType(1, 8, 8)]
        public float[] Noise { get; set; } = Array.Empty<float>();

        public int Label { get; set; }

        public float Guidance { get; set; }
    }

    private static double MaxAbs(float[][] a, float[][] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) =>
        {
            Assert.Equal(x.Length, y.Length);
            return x.Zip(y, (u, v) => Math.Abs((double)u - v)).Max();
        }).Max();
    }
}
