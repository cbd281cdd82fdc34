using Dsno.MLNet;
using Dsno.Tests.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Dsno.Tests.Reliability;

public class ConcurrencyTests
{
    private sealed class NoiseInput
    {
        [VectorType(1, 8, 8)] public float[] Noise { get; set; } = Array.Empty<float>();
    }

    private sealed class ImageOutput
    {
        [VectorType(1, 8, 8)] public float[] Image { get; set; } = Array.Empty<float>();
    }

    private static void AssertEightThreadsMatchASequentialRun(MLContext ml, ITransformer model, IDataView noise)
    {
        var sequential = MlNetModels.Column(model.Transform(noise), "Image");
        var rows = ml.Data.CreateEnumerable<NoiseInput>(noise, reuseRowObject: false).ToList();
        var sequentialEngine = ml.Model.CreatePredictionEngine<NoiseInput, ImageOutput>(model, noise.Schema);
        var sequentialRows = rows.Select(r => sequentialEngine.Predict(r).Image).ToArray();

        var cursorResults = new float[8][][];
        var engineResults = new float[8][][];
        using var start = new Barrier(8);
        var threads = Enumerable.Range(0, 8).Select(k => new Thread(() =>
        {
            start.SignalAndWait();
            // Half of the threads read through their own cursor, the other half through their own PredictionEngine, at the same time.
            cursorResults[k] = MlNetModels.Column(model.Transform(noise), "Image");
            var engine = ml.Model.CreatePredictionEngine<NoiseInput, ImageOutput>(model, noise.Schema);
            engineResults[k] = rows.Select(r => engine.Predict(r).Image).ToArray();
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        for (int k = 0; k < 8; k++)
        {
            Assert.Equal(sequential, cursorResults[k]);
            Assert.Equal(sequentialRows, engineResults[k]);
        }
    }

    [Fact]
    public void DsnoTransformerFromEightThreadsGivesTheSequentialOutput()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.Teacher;
        var dsno = ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, steps: 3)).Fit(MlNetModels.Trajectories(ml, teacher, 32));
        AssertEightThreadsMatchASequentialRun(ml, dsno, ml.Data.GaussianNoise(70, 1, 8, 8, seed: 77));
    }

    [Fact]
    public void TeacherTransformerFromEightThreadsGivesTheSequentialOutput()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.Teacher.WithSampler(OdeSolver.DpmSolver2M, 4);
        AssertEightThreadsMatchASequentialRun(ml, teacher, ml.Data.GaussianNoise(20, 1, 8, 8, seed: 78));
    }
}
