using Dsno.Tests.Training;
using Dsno.Data;
using Dsno.Diffusion;
using Dsno.Models;
using Dsno.Training;
using TorchSharp;

namespace Dsno.Tests.Models;

public class DsnoModelTests
{
    private static InMemoryTrajectories Records(int count = 48, int classes = 0)
    {
        var teacher = TinyModels.Teacher(classes);
        var options = TinyModels.Generation();
        return new InMemoryTrajectories(TrajectoryGenerator.Generate(teacher, options, 0, count), TrajectoryGenerator.Layout(teacher, options));
    }

    [Fact]
    public void TrainingLowersTheWeightedLossAndRepeatsBitForBit()
    {
        torch.set_num_threads(1);
        using var data = Records();
        var teacher = TinyModels.Teacher();
        using var a = DsnoModel.FromTeacher(teacher, data.Layout.FrameTimes);
        using var b = DsnoModel.FromTeacher(teacher, data.Layout.FrameTimes);
        using (torch.no_grad()) foreach (var (k, v) in b.Network.state_dict()) v.copy_(a.Network.state_dict()[k]);

        var options = TinyModels.Budget(30, seed: 5) with { GradientClipNorm = 0 };
        var ra = a.Train(data, options);
        var rb = b.Train(data, options);
        var (first, last) = ra.LossTrend(5);
        Assert.True(last < 0.8 * first, $"weighted loss did not fall: {first:F2} -> {last:F2}");
        Assert.Equal(ra.Losses, rb.Losses);
        Assert.True(TinyModels.SameWeights(a.Network, b.Network));
    }

    [Fact]
    public void ResumedOperatorTrainingEndsWhereAnUninterruptedRunEnds()
    {
        torch.set_num_threads(1);
        using var data = Records();
        var teacher = TinyModels.Teacher();
        string checkpoint = Path.Combine(TinyModels.TempDir(), "dsno.ckpt");
        var options = TinyModels.Budget(10, seed: 6) with { GradientClipNorm = 0 };

        using var reference = DsnoModel.FromTeacher(teacher, data.Layout.FrameTimes);
        using var interrupted = DsnoModel.FromTeacher(teacher, data.Layout.FrameTimes);
        using (torch.no_grad()) foreach (var (k, v) in interrupted.Network.state_dict()) v.copy_(reference.Network.state_dict()[k]);
        reference.Train(data, options);

        using var cts = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => interrupted.Train(data, options with { CheckpointPath = checkpoint }, FrameWeighting.SqrtSnr,
            new SyncProgress<TrainingProgress>(p => { if (p.Step == 4) cts.Cancel(); }), cts.Token));
        using var resumed = DsnoModel.FromTeacher(teacher, data.Layout.FrameTimes);
        var result = resumed.Train(data, options with { CheckpointPath = checkpoint });
        Assert.Equal(4, result.ResumedFromStep);
        Assert.True(TinyModels.SameWeights(reference.Network, resumed.Network));
    }

    [Fact]
    public void OneForwardPassGivesEveryFrameAndTheGridQueryReproducesIt()
    {
        torch.set_num_threads(1);
        var teacher = TinyModels.Teacher();
        using var model = DsnoModel.FromTeacher(teacher, FrameTimes.Quadratic(4));
        using var noise = GaussianNoise.Sample(0, 6, 1, 8, 8, seed: 3);
        long before = model.Evaluations;
        using var frames = model.Generate(noise);
        Assert.Equal(before + 1, model.Evaluations);
        Assert.Equal(new long[] { 6, 4, 1, 8, 8 }, frames.shape);

        using var grid = model.Decode(noise, null, model.FrameTimes);
        Assert.True(torch.equal(frames, grid).all().item<bool>(), "decoding the training grid must give the one-pass output");

        // Times never trained on, including ones between grid points and near the noise end.
        using var off = model.Decode(noise, null, new[] { 0.9, 0.4, 0.1, 0.03, 0.0 });
        Assert.Equal(new long[] { 6, 5, 1, 8, 8 }, off.shape);
        Assert.True(torch.isfinite(off).all().item<bool>());
        // A query of grid times only (a subset, in another order) needs no refinement and reads the one-pass frames.
        using var subset = model.Decode(noise, null, new[] { 0.0, 0.25 });
        Assert.True(torch.equal(subset[.., 0], frames[.., 3]).all().item<bool>());
        Assert.True(torch.equal(subset[.., 1], frames[.., 1]).all().item<bool>());
    }

    [Fact]
    public void SaveAndLoadGiveIdenticalOutput()
    {
        torch.set_num_threads(1);
        var teacher = TinyModels.Teacher(classes: 10);
        using var model = DsnoModel.FromTeacher(teacher, FrameTimes.Uniform(4));
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        using var loaded = DsnoModel.Load(stream);
        using var noise = GaussianNoise.Sample(0, 4, 1, 8, 8, seed: 3);
        using var labels = torch.tensor(new long[] { 0, 3, 7, 9 });
        Assert.True(torch.equal(model.Generate(noise, labels), loaded.Generate(noise, labels)).all().item<bool>());

        var bytes = stream.ToArray();
        Assert.Throws<InvalidDataException>(() => DsnoModel.Load(new MemoryStream(bytes.AsSpan(0, bytes.Length - 10).ToArray())));
        Assert.Throws<InvalidDataException>(() => DiffusionTeacher.Load(new MemoryStream(bytes)));
        Assert.Throws<ArgumentOutOfRangeException>(() => loaded.Generate(noise, torch.tensor(new long[] { 0, 3, 7, 10 })));
    }

    [Fact]
    public void OneStepDistillationTrainsOnTheSameData()
    {
        torch.set_num_threads(1);
        using var data = Records();
        using var student = OneStepDistillation.FromTeacher(TinyModels.Teacher());
        var result = student.Train(data, TinyModels.Budget(30, seed: 5) with { GradientClipNorm = 0 });
        var (first, last) = result.LossTrend(5);
        Assert.True(last < first, $"{first} -> {last}");
        using var noise = GaussianNoise.Sample(0, 3, 1, 8, 8, seed: 3);
        Assert.Equal(new long[] { 3, 1, 8, 8 }, student.Generate(noise).shape);
        Assert.Equal(1, student.Evaluations);
    }

    [Fact]
    public void ContinuousTimePositionsInvertAndHitTheGrid()
    {
        var grid = FrameTimes.Quadratic(4);
        for (int j = 0; j < grid.Length; j++) Assert.Equal(j, ContinuousTimeQuery.Position(grid, grid[j]), 12);
        foreach (double t in new[] { 0.99, 0.7, 0.3, 0.2, 0.05, 0.001 })
            Assert.Equal(t, ContinuousTimeQuery.Time(grid, ContinuousTimeQuery.Position(grid, t)), 12);
        var plan = ContinuousTimeQuery.Plan(grid, grid);
        Assert.Equal(1, plan.Refinement);
        Assert.Equal(grid, plan.SliceTimes);
        var half = ContinuousTimeQuery.Plan(grid, new[] { (grid[1] + grid[2]) / 2 });
        Assert.Equal(2, half.Refinement);
        Assert.Throws<ArgumentOutOfRangeException>(() => ContinuousTimeQuery.Plan(grid, new[] { 1.5 }));
    }
}
