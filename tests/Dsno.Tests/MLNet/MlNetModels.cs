using Dsno.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Dsno.Tests.MLNet;

/// <summary>Tiny ML.NET models shared by the ML.NET tests (fitted once per process; tests only read them).</summary>
internal static class MlNetModels
{
    private static readonly object Gate = new();
    private static DiffusionTeacherTransformer? _teacher, _conditional;

    public static DiffusionTeacherOptions TeacherOptions(string? label = null) => new()
    {
        BaseChannels = 16, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 1, AttentionResolutions = new[] { 4 }, Dropout = 0,
        TrainingSteps = 40, BatchSize = 32, LearningRate = 2e-3, WarmupSteps = 5, EmaDecay = 0.9, Seed = 3, Threads = 1,
        Solver = OdeSolver.Ddim, SolverSteps = 8, Frames = TimeGrid.Quadratic(4), TransformBatchSize = 64, LabelColumnName = label,
    };

    public static DsnoOptions DsnoOptions(DiffusionTeacherTransformer teacher, int steps = 30) => new()
    {
        Teacher = teacher, TrainingSteps = steps, BatchSize = 32, LearningRate = 2e-3, WarmupSteps = 5, EmaDecay = 0.9, Seed = 5, Threads = 1,
        LabelColumnName = teacher.ClassCount > 0 ? "Label" : null, TransformBatchSize = 64,
    };

    public static DiffusionTeacherTransformer Teacher
    {
        get
        {
            lock (Gate)
            {
                torch.set_num_threads(1);
                return _teacher ??= new MLContext(seed: 1).Transforms.DiffusionTeacher(TeacherOptions()).Fit(new MLContext().Data.LoadDigits());
            }
        }
    }

    public static DiffusionTeacherTransformer ConditionalTeacher
    {
        get
        {
            lock (Gate)
            {
                torch.set_num_threads(1);
                return _conditional ??= new MLContext(seed: 1).Transforms.DiffusionTeacher(TeacherOptions("Label")).Fit(new MLContext().Data.LoadDigits());
            }
        }
    }

    /// <summary>Trajectories of <paramref name="rows"/> noises, materialised in memory (cached by ML.NET's cache).</summary>
    public static IDataView Trajectories(MLContext ml, DiffusionTeacherTransformer teacher, int rows, int seed = 7)
    {
        var noise = ml.Data.GaussianNoise(rows, 1, 8, 8, seed, classes: teacher.ClassCount > 0 ? teacher.ClassCount : null);
        return ml.Data.Cache(teacher.Transform(noise));
    }

    public static float[][] Column(IDataView view, string column)
    {
        var rows = new List<float[]>();
        var col = view.Schema[column];
        using var cursor = view.GetRowCursor(new[] { col });
        var get = cursor.GetGetter<VBuffer<float>>(col);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext())
        {
            get(ref buffer);
            rows.Add(buffer.DenseValues().ToArray());
        }
        return rows.ToArray();
    }

    public static double MeanSquaredDistance(float[][] a, float[][] b) =>
        a.Zip(b, (x, y) => x.Zip(y, (u, v) => (double)(u - v) * (u - v)).Average()).Average();
}
