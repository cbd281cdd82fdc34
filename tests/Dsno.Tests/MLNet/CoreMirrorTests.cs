using Dsno.Diffusion;
using Dsno.MLNet;
using Dsno.Training;

namespace Dsno.Tests.MLNet;

/// <summary>The ML.NET layer's solver enum, loss weighting and progress report stand for the core's, one to one.</summary>
public class CoreMirrorTests
{
    [Fact]
    public void EverySolverEnumValueIsOneCoreDescriptorAndBack()
    {
        var values = Enum.GetValues<OdeSolver>();
        Assert.Equal(Samplers.All.Count, values.Length);
        foreach (var solver in values)
        {
            var descriptor = solver.Descriptor();
            Assert.Same(descriptor, Samplers.Find(solver.ToCoreName()));
            Assert.Equal(solver, OdeSolverNames.FromCoreName(descriptor.Name));
        }
        Assert.Equal("dpm-solver-2m", OdeSolver.DpmSolver2M.ToCoreName());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => OdeSolverNames.FromCoreName("rk4"));
        Assert.Contains("ddim", e.Message);
    }

    [Fact]
    public void LossWeightingIsFrameWeightingValueForValue()
    {
        Assert.Equal(FrameWeighting.SqrtSnr, (FrameWeighting)LossWeighting.SqrtSnr);
        Assert.Equal(FrameWeighting.Uniform, (FrameWeighting)LossWeighting.Uniform);
    }

    [Fact]
    public void ACoreProgressSinkListensToTheEstimators()
    {
        var sink = new Recorder();
        IProgress<DsnoTrainingProgress> estimatorSide = sink; // contravariance: a core sink takes the estimators' reports
        var core = new TrainingProgress("dsno", 3, 4, 0.5, 1e-3, TimeSpan.FromSeconds(2));
        estimatorSide.Report(new DsnoTrainingProgress(core));
        var seen = Assert.Single(sink.Seen);
        Assert.Equal((core.Stage, core.Step, core.TotalSteps, core.Loss, core.LearningRate, core.Elapsed, core.Fraction),
            (seen.Stage, seen.Step, seen.TotalSteps, seen.Loss, seen.LearningRate, seen.Elapsed, seen.Fraction));
    }

    private sealed class Recorder : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Seen { get; } = new();
        public void Report(TrainingProgress value) => Seen.Add(value);
    }
}
