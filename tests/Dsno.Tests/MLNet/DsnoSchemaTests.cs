using Dsno.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Dsno.Tests.MLNet;

public class DsnoSchemaTests
{
    private sealed class Row
    {
        [VectorType(1, 8, 8)] public float[] Noise { get; set; } = new float[64];
        [VectorType(2 * 64)] public float[] Trajectory { get; set; } = new float[128];
        public int Label { get; set; }
    }

    [Fact]
    public void BadColumnsAreRefusedBeforeTraining()
    {
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.Teacher;
        var good = MlNetModels.Trajectories(ml, teacher, 8);
        var shape = SchemaShapeOf(good);

        var options = MlNetModels.DsnoOptions(teacher, steps: 1);
        options.NoiseColumnName = "Nope";
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Dsno(options).GetOutputSchema(shape));
        Assert.Contains("'Nope'", e1.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Dsno(options).Fit(good));

        // Wrong item type: the trajectory as text.
        var text = ml.Transforms.Conversion.ConvertType("Trajectory", "Trajectory", DataKind.String).Fit(good).Transform(good);
        var e2 = Assert.ThrowsAny<Exception>(() => ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, 1)).GetOutputSchema(SchemaShapeOf(text)));
        Assert.True(e2 is ArgumentOutOfRangeException or InvalidOperationException, e2.ToString());
        Assert.Contains("Trajectory", e2.Message);

        // Missing Times annotation and wrong dimensions.
        var bare = ml.Data.LoadFromEnumerable(new[] { new Row(), new Row() });
        var e3 = Assert.ThrowsAny<Exception>(() => ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, 1)).Fit(bare));
        Assert.True(e3 is ArgumentOutOfRangeException or InvalidOperationException, e3.ToString());
        Assert.Contains("Trajectory", e3.Message);
        var e4 = Assert.ThrowsAny<Exception>(() => ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, 1)).GetOutputSchema(SchemaShapeOf(bare)));
        Assert.Contains("Times", e4.Message);

        // Wrong vector size for the noise at Transform time.
        var dsno = ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, 1)).Fit(good);
        var small = ml.Data.GaussianNoise(3, 1, 4, 4, seed: 1);
        var e5 = Assert.Throws<ArgumentOutOfRangeException>(() => dsno.Transform(small).Schema.ToString());
        Assert.Contains("Noise", e5.Message);
    }

    [Fact]
    public void LabelsOutOfRangeAreRefused()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.ConditionalTeacher;
        var rows = Enumerable.Range(0, 3).Select(i => new Row { Label = i == 2 ? 12 : i }).ToList();
        var view = ml.Data.LoadFromEnumerable(rows);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => MlNetModels.Column(teacher.Transform(view), "Image"));
        Assert.Contains("12", e.Message);
        Assert.Contains("Label", e.Message);
    }

    [Fact]
    public void LabelsFlowFromDataThroughTeacherAndDsnoToImages()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.ConditionalTeacher;
        Assert.Equal(10, teacher.ClassCount);
        var trajectories = MlNetModels.Trajectories(ml, teacher, 64);
        Assert.NotNull(trajectories.Schema.GetColumnOrNull("Label"));
        var dsno = ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, steps: 5)).Fit(trajectories);
        Assert.Equal(10, dsno.ClassCount);
        var ones = dsno.Generate(4, seed: 3, label: 1);
        var sevens = dsno.Generate(4, seed: 3, label: 7);
        Assert.NotEqual(ones[0], sevens[0]); // the label changes the image for the same noise
        Assert.Throws<ArgumentOutOfRangeException>(() => dsno.Generate(1, 3, label: 10));
        Assert.Throws<ArgumentException>(() => dsno.Generate(1, 3));
    }

    // ML.NET 5.0.1 keeps MLContext.CancelExecution internal; ML.NET's own tooling calls it, so we honour it (and users pass a token).
    private static void CancelExecution(MLContext ml) =>
        typeof(MLContext).GetMethod("CancelExecution", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.Invoke(ml, null);

    [Fact]
    public void CancellationTokenStopsTraining()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.Teacher;
        var trajectories = MlNetModels.Trajectories(ml, teacher, 32);
        using var cts = new CancellationTokenSource();
        var options = MlNetModels.DsnoOptions(teacher, steps: 1000);
        options.CancellationToken = cts.Token;
        int steps = 0;
        options.Progress = new Dsno.Tests.Training.SyncProgress<DsnoTrainingProgress>(p => { steps = p.Step; if (p.Step == 2) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => ml.Transforms.Dsno(options).Fit(trajectories));
        Assert.Equal(2, steps);
    }

    [Fact]
    public void CancelExecutionStopsTraining()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.Teacher;
        var trajectories = MlNetModels.Trajectories(ml, teacher, 32);
        var options = MlNetModels.DsnoOptions(teacher, steps: 1000);
        int steps = 0;
        options.Progress = new Dsno.Tests.Training.SyncProgress<DsnoTrainingProgress>(p => { steps = p.Step; if (p.Step == 3) CancelExecution(ml); });
        Assert.ThrowsAny<OperationCanceledException>(() => ml.Transforms.Dsno(options).Fit(trajectories));
        Assert.InRange(steps, 3, 4);
    }

    [Fact]
    public void TrainingIsLoggedToTheContext()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var lines = new List<string>();
        ml.Log += (_, e) => { lock (lines) lines.Add(e.Message); };
        var teacher = MlNetModels.Teacher;
        ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, steps: 4)).Fit(MlNetModels.Trajectories(ml, teacher, 16));
        Assert.Contains(lines, l => l.Contains("dsno: step 4/4"));
        Assert.Contains(lines, l => l.Contains("training DSNO"));
    }

    private static SchemaShape SchemaShapeOf(IDataView view) =>
        Dsno.MLNet.Internal.SchemaShapes.FromSchema(view.Schema);
}
