using Dsno.MLNet;
using Microsoft.ML;

namespace Dsno.Tests.MLNet;

/// <summary>The training options both estimators share, their per-estimator defaults, and bad values refused before any work.</summary>
public class TrainerOptionsTests
{
    [Fact]
    public void EachOptionsClassKeepsItsOwnTrainingDefaults()
    {
        var teacher = new DiffusionTeacherOptions();
        Assert.Equal((2000, 5e-4, 1.0), (teacher.TrainingSteps, teacher.LearningRate, teacher.GradientClipNorm));
        var dsno = new DsnoOptions();
        Assert.Equal((1000, 2e-4, 0.0), (dsno.TrainingSteps, dsno.LearningRate, dsno.GradientClipNorm));
        foreach (TorchTrainerOptions o in new TorchTrainerOptions[] { teacher, dsno })
            Assert.Equal((64, 100, 0.999, "cpu"), (o.BatchSize, o.WarmupSteps, o.EmaDecay, o.Device));
        // The distillation recipe the fashion16 benchmark measured (docs/benchmarks.md, recipe table); the teacher keeps a constant rate.
        Assert.Equal((Dsno.Training.LearningRateDecay.Cosine, Dsno.Training.TrajectoryDistance.PseudoHuber), (dsno.LearningRateDecay, dsno.Distance));
        Assert.Equal(Dsno.Training.LearningRateDecay.Constant, teacher.LearningRateDecay);
    }

    [Fact]
    public void BadTrainingValuesAreNamedBeforeAnyTraining()
    {
        var ml = new MLContext(seed: 1);
        var images = ml.Data.LoadDigits();
        var teacherOptions = new DiffusionTeacherOptions { TrainingSteps = 1, LearningRate = -1 };
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.DiffusionTeacher(teacherOptions).Fit(images));
        Assert.Equal("LearningRate", e1.ParamName);

        var teacher = MlNetModels.Teacher;
        var trajectories = MlNetModels.Trajectories(ml, teacher, 4);
        var dsnoOptions = MlNetModels.DsnoOptions(teacher, steps: 1);
        dsnoOptions.BatchSize = 0;
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Dsno(dsnoOptions).Fit(trajectories));
        Assert.Equal("BatchSize", e2.ParamName);
    }
}
