using Dsno.Data;
using Dsno.Models;
using Dsno.Training;
using TorchSharp;

namespace Dsno.Tests.Training;

public class TeacherTrainingTests
{
    [Fact]
    public void LossFallsAndSamplesAreImages()
    {
        torch.set_num_threads(1);
        using var teacher = new DiffusionTeacher(TinyModels.Digits());
        var result = teacher.Train(Digits.Load(), TinyModels.Budget(60));
        var (first, last) = result.LossTrend(10);
        Assert.True(last < 0.8 * first, $"loss did not fall: first {first:F4}, last {last:F4}");

        using var noise = GaussianNoise.Sample(0, 64, 1, 8, 8, seed: 5);
        var (images, _) = teacher.Solve(noise, null, "ddim", 10);
        Assert.True(torch.isfinite(images).all().item<bool>());
        double inside = (images.abs() <= 1.05).to(torch.float32).mean().item<float>();
        Assert.True(inside > 0.9, $"only {inside:P0} of pixels inside [-1, 1]");
    }

    [Fact]
    public void SameSeedAndThreadsGiveBitIdenticalWeightsAndSamples()
    {
        torch.set_num_threads(1);
        var data = Digits.Load();
        using var a = new DiffusionTeacher(TinyModels.Digits());
        using var b = new DiffusionTeacher(TinyModels.Digits());
        // Different initial weights must not matter either: copy a's init into b first so only training is compared.
        using (torch.no_grad()) foreach (var (k, v) in b.Network.state_dict()) v.copy_(a.Network.state_dict()[k]);
        a.Train(data, TinyModels.Budget(15, seed: 9));
        b.Train(data, TinyModels.Budget(15, seed: 9));
        Assert.True(TinyModels.SameWeights(a.Network, b.Network));

        using var noise = GaussianNoise.Sample(0, 8, 1, 8, 8, seed: 2);
        var (x, _) = a.Solve(noise, null, "dpm-solver-2m", 5);
        var (y, _) = b.Solve(noise, null, "dpm-solver-2m", 5);
        Assert.True(torch.equal(x, y).all().item<bool>());

        // sanity: another seed gives other weights (so the comparison above can fail)
        using var d = new DiffusionTeacher(TinyModels.Digits());
        d.Train(data, TinyModels.Budget(15, seed: 10));
        Assert.False(TinyModels.SameWeights(a.Network, d.Network));
    }

    [Fact]
    public void ResumedRunEndsWhereAnUninterruptedRunEnds()
    {
        torch.set_num_threads(1);
        var data = Digits.Load();
        string dir = TinyModels.TempDir();
        using var reference = new DiffusionTeacher(TinyModels.Digits());
        using var interrupted = new DiffusionTeacher(TinyModels.Digits());
        using (torch.no_grad()) foreach (var (k, v) in interrupted.Network.state_dict()) v.copy_(reference.Network.state_dict()[k]);

        reference.Train(data, TinyModels.Budget(12, seed: 4));

        string checkpoint = Path.Combine(dir, "teacher.ckpt");
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress<TrainingProgress>(p => { if (p.Step == 7) cts.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => interrupted.Train(data, TinyModels.Budget(12, seed: 4, checkpoint), progress, cts.Token));
        Assert.True(File.Exists(checkpoint));

        // A new object (as a new process would have) with other initial weights, resuming from the checkpoint.
        using var resumed = new DiffusionTeacher(TinyModels.Digits());
        var result = resumed.Train(data, TinyModels.Budget(12, seed: 4, checkpoint));
        Assert.Equal(7, result.ResumedFromStep);
        Assert.Equal(12, result.Losses.Count);
        Assert.True(TinyModels.SameWeights(reference.Network, resumed.Network));
    }

    [Fact]
    public void NonFiniteLossStopsWithTheCheckpointKept()
    {
        torch.set_num_threads(1);
        string dir = TinyModels.TempDir();
        string checkpoint = Path.Combine(dir, "teacher.ckpt");
        using var teacher = new DiffusionTeacher(TinyModels.Digits());
        var options = TinyModels.Budget(6, checkpoint: checkpoint, interval: 1) with { LearningRate = 1e30, GradientClipNorm = 0, WarmupSteps = 0 };
        var e = Assert.Throws<TrainingDivergedException>(() => teacher.Train(Digits.Load(), options));
        Assert.Contains("lower learning rate", e.Message);
        Assert.True(File.Exists(checkpoint), "the last good checkpoint must be kept");
        Assert.True(e.Step >= 1);
        // The kept checkpoint is whole and is the one written just before the diverging step.
        using var again = new DiffusionTeacher(TinyModels.Digits());
        var resumed = again.Train(Digits.Load(), options with { Steps = e.Step });
        Assert.Equal(e.Step, resumed.ResumedFromStep);
        Assert.All(resumed.Losses, l => Assert.True(float.IsFinite(l)));
    }

    [Fact]
    public void BadInputIsRefused()
    {
        using var teacher = new DiffusionTeacher(TinyModels.Digits());
        Assert.Throws<ArgumentOutOfRangeException>(() => teacher.Train(Digits.Load(), TinyModels.Budget(0)));
        using var conditional = new DiffusionTeacher(TinyModels.Digits(classes: 10));
        using var noise = GaussianNoise.Sample(0, 2, 1, 8, 8, seed: 1);
        Assert.Throws<ArgumentException>(() => conditional.Solve(noise, null, "ddim", 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => conditional.Solve(noise, torch.tensor(new long[] { 1, 10 }), "ddim", 2));
    }
}

/// <summary>An IProgress that reports synchronously on the training thread (Progress&lt;T&gt; posts to the thread pool).</summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
