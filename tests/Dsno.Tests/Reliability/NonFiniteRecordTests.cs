using Dsno.MLNet;
using Dsno.Tests.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Dsno.Tests.Reliability;

public class NonFiniteRecordTests
{
    private sealed class Row
    {
        [VectorType(1, 8, 8)] public float[] Image { get; set; } = new float[64];
    }

    [Fact]
    public void NaNInTrainingImagesIsRefusedWithTheRow()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 5).Select(_ => new Row()).ToList();
        rows[3].Image[10] = float.NaN;
        var options = MlNetModels.TeacherOptions();
        options.TrainingSteps = 1;
        var e = Assert.Throws<InvalidDataException>(() => ml.Transforms.DiffusionTeacher(options).Fit(ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("row 3", e.Message);
        rows[3].Image[10] = 7f;
        e = Assert.Throws<InvalidDataException>(() => ml.Transforms.DiffusionTeacher(options).Fit(ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("[-1, 1]", e.Message);
    }

    [Fact]
    public void InfiniteTrajectoryValuesAreRefusedWithTheRecord()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.Teacher;
        var good = MlNetModels.Trajectories(ml, teacher, 16);
        var trajectories = MlNetModels.Column(good, "Trajectory");
        trajectories[5][17] = float.PositiveInfinity;
        var view = WithTrajectories(ml, good, trajectories);
        var options = MlNetModels.DsnoOptions(teacher, steps: 2);
        options.BatchSize = 16;
        var e = Assert.Throws<InvalidDataException>(() => ml.Transforms.Dsno(options).Fit(view));
        Assert.Contains("record 5", e.Message);
    }

    private sealed class TrajectoryRow
    {
        [VectorType(1, 8, 8)] public float[] Noise { get; set; } = Array.Empty<float>();
        [VectorType(4, 1, 8, 8)] public float[] Trajectory { get; set; } = Array.Empty<float>();
    }

    private static IDataView WithTrajectories(MLContext ml, IDataView source, float[][] trajectories)
    {
        var noise = MlNetModels.Column(source, "Noise");
        var rows = noise.Select((n, i) => new TrajectoryRow { Noise = n, Trajectory = trajectories[i] }).ToList();
        var definition = SchemaDefinition.Create(typeof(TrajectoryRow));
        VBuffer<float> times = new(4, TimeGrid.Quadratic(4).Times);
        definition[nameof(TrajectoryRow.Trajectory)].AddAnnotation("Times", times, new VectorDataViewType(NumberDataViewType.Single, 4));
        return ml.Data.LoadFromEnumerable(rows, definition);
    }
}
