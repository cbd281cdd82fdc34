using Dsno.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Tests.Training;

public class TrainingSnapshotTests
{
    private static nn.Module<Tensor, Tensor> NewModel()
    {
        torch.manual_seed(11);
        return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1));
    }

    private static Tensor Loss(nn.Module<Tensor, Tensor> model, Generator generator)
    {
        var x = torch.randn(new long[] { 16, 4 }, generator: generator);
        var target = x.sum(1, keepdim: true).sin();
        var d = model.forward(x) - target;
        return (d * d).mean();
    }

    private static Dictionary<string, float[]> Weights(nn.Module model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().data<float>().ToArray());

    private static Dictionary<string, float[]> Train(int steps, IReadOnlyList<int>? snapshots, Dictionary<int, Dictionary<string, float[]>>? taken)
    {
        using var model = NewModel();
        var options = new TrainingOptions
        {
            Steps = steps, BatchSize = 16, LearningRate = 1e-2, WarmupSteps = 2, EmaDecay = 0.9, Seed = 5, Threads = 1,
            SnapshotSteps = snapshots,
            Snapshot = taken is null ? null : r => taken[r.Losses.Count] = Weights(model),
        };
        TrainingLoop.Run("snapshot test", model, options, (_, g) => Loss(model, g));
        return Weights(model);
    }

    [Fact]
    public void ASnapshotAfterKStepsIsTheModelOfAKStepRunAndLeavesTheRunUnchanged()
    {
        var taken = new Dictionary<int, Dictionary<string, float[]>>();
        var withSnapshots = Train(8, new[] { 3, 5 }, taken);
        Assert.Equal(new[] { 3, 5 }, taken.Keys.Order());

        // The run continues bit for bit as if no snapshot had been taken.
        var plain = Train(8, null, null);
        foreach (var (name, w) in plain) Assert.Equal(w, withSnapshots[name]);

        // With a constant rate after warm-up, the snapshot after 3 steps (averaged weights) is what a 3-step run ends with.
        var short3 = Train(3, null, null);
        foreach (var (name, w) in short3) Assert.Equal(w, taken[3][name]);
        // And it is not simply the final model (the snapshot saw averaged, not raw or later, weights).
        Assert.Contains(taken[3], kv => !kv.Value.SequenceEqual(withSnapshots[kv.Key]));
    }

    [Fact]
    public void BadSnapshotSettingsAreRefusedByName()
    {
        var noCallback = new TrainingOptions { Steps = 10, SnapshotSteps = new[] { 3 } };
        Assert.Contains("Snapshot", Assert.Throws<ArgumentException>(noCallback.Validate).Message);
        var atTheEnd = new TrainingOptions { Steps = 10, SnapshotSteps = new[] { 10 }, Snapshot = _ => { } };
        Assert.Contains("SnapshotSteps", Assert.Throws<ArgumentOutOfRangeException>(atTheEnd.Validate).Message);
        var zero = new TrainingOptions { Steps = 10, SnapshotSteps = new[] { 0 }, Snapshot = _ => { } };
        Assert.Throws<ArgumentOutOfRangeException>(zero.Validate);
    }
}
