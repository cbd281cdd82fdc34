using Dsno.Networks;
using TorchSharp;
using static Dsno.Tests.Networks.NetworkTestModels;
using static TorchSharp.torch;

namespace Dsno.Tests.Networks;

public class UNetTests
{
    [Fact]
    public void OutputHasTheInputShapeAndIsFinite()
    {
        torch.manual_seed(1);
        using var net = new UNet(Tiny());
        net.eval();
        using var x = torch.randn(3, 1, 8, 8);
        using var t = torch.tensor(new[] { 0.1f, 0.5f, 0.9f });
        using var eps = net.forward(x, t, null);
        Assert.Equal(new long[] { 3, 1, 8, 8 }, eps.shape);
        Assert.True(torch.isfinite(eps).all().item<bool>());
        Assert.True(eps.abs().max().item<float>() > 0, "a freshly initialised network should not output zeros");
    }

    [Fact]
    public void ForwardEqualsForwardWithOneRepeatAndNoHook()
    {
        torch.set_num_threads(1);
        torch.manual_seed(2);
        using var net = new UNet(Tiny());
        net.eval();
        using var x = torch.randn(2, 1, 8, 8);
        using var t = torch.tensor(new[] { 0.3f, 0.7f });
        using var a = net.forward(x, t, null);
        using var b = net.forward(x, t, null, 1, null);
        using var c = net.forward(x, t, null, 1, (k, h) => h);
        Assert.True(Identical(a, b));
        Assert.True(Identical(a, c), "an identity hook must not change the result");
    }

    [Fact]
    public void HookIsCalledAtEveryInsertionPointWithTheStatedChannels()
    {
        torch.manual_seed(3);
        using var net = new UNet(Tiny());
        net.eval();
        // Down: one stage per level (16 at 8x8, 32 at 4x4); middle attention (32 at 4x4); up: two stages per level.
        Assert.Equal(new[] { 16, 32, 32, 32, 32, 16, 16 }, net.HookChannels);
        var sizes = new[] { 8, 4, 4, 4, 4, 8, 8 };

        const int batch = 2, repeats = 3;
        var seen = new List<(int Point, long[] Shape)>();
        using var x = torch.randn(batch, 1, 8, 8);
        using var t = torch.rand(batch * repeats);
        using var output = net.forward(x, t, null, repeats, (k, h) => { seen.Add((k, h.shape)); return h; });

        Assert.Equal(new long[] { batch * repeats, 1, 8, 8 }, output.shape);
        Assert.Equal(net.HookChannels.Count, seen.Count);
        for (int k = 0; k < seen.Count; k++)
        {
            Assert.Equal(k, seen[k].Point);
            Assert.Equal(new long[] { batch * repeats, net.HookChannels[k], sizes[k], sizes[k] }, seen[k].Shape);
        }
    }

    [Fact]
    public void HookOutputReplacesTheActivation()
    {
        torch.manual_seed(4);
        using var net = new UNet(Tiny());
        net.eval();
        using var x = torch.randn(2, 1, 8, 8);
        using var t = torch.tensor(new[] { 0.2f, 0.6f });
        using var plain = net.forward(x, t, null);
        for (int point = 0; point < net.HookChannels.Count; point++)
        {
            int target = point;
            // A random perturbation: a constant shift could be normalised away by the GroupNorm that follows.
            using var changed = net.forward(x, t, null, 1, (k, h) => k == target ? h.Plus(torch.randn_like(h)) : h);
            Assert.True(MaxAbsDifference(plain, changed) > 1e-4, $"changing the activation at point {point} must change the output");
        }
        Assert.Throws<InvalidOperationException>(() => net.forward(x, t, null, 1, (k, h) => h[TensorIndex.Slice(0, 1)]));
    }

    [Fact]
    public void RepeatedRowsAreSampleMajorAndEachRowSeesItsOwnTime()
    {
        torch.set_num_threads(1);
        torch.manual_seed(5);
        using var net = new UNet(Tiny());
        net.eval();
        const int batch = 2, repeats = 3;
        var times = new[] { 0.8f, 0.4f, 0.05f };
        using var x = torch.randn(batch, 1, 8, 8);
        using var t = torch.tensor(times).repeat(batch); // row b * repeats + m has time m
        using var all = net.forward(x, t, null, repeats, null);
        for (int b = 0; b < batch; b++)
            for (int m = 0; m < repeats; m++)
            {
                using var single = net.forward(x[TensorIndex.Slice(b, b + 1)], torch.tensor(new[] { times[m] }), null);
                double difference = MaxAbsDifference(all[TensorIndex.Slice(b * repeats + m, b * repeats + m + 1)], single);
                Assert.True(difference < 1e-5, $"row {b * repeats + m}: {difference}");
            }
        Assert.True(MaxAbsDifference(all[0], all[1]) > 1e-4, "different times must give different outputs");
    }

    [Fact]
    public void RepeatedFirstBlockEqualsTheBlockOnRepeatedRowsWithSkipConvAndAttention()
    {
        torch.set_num_threads(1);
        torch.manual_seed(7);
        // Level 0 widens 1 -> 2 x base channels (a 1x1 skip convolution in the first block) and has attention at 8x8.
        using var net = new UNet(Tiny() with { ChannelMultipliers = new[] { 2, 2 }, AttentionResolutions = new[] { 8 } });
        net.eval();
        const int batch = 2, repeats = 4;
        using var x = torch.randn(batch, 1, 8, 8);
        using var t = torch.rand(batch * repeats);
        using var repeated = net.forward(x, t, null, repeats, null);
        using var expanded = net.forward(x.repeat_interleave(repeats, dim: 0), t, null, 1, null);
        Assert.True(MaxAbsDifference(repeated, expanded) < 1e-5, $"differ by {MaxAbsDifference(repeated, expanded):E3}");
        Assert.True(MaxAbsDifference(repeated[0], repeated[1]) > 1e-4, "rows with different times must differ");
    }

    [Fact]
    public void GroupNormParametersStartAtOneAndZero()
    {
        torch.manual_seed(6);
        using var net = new UNet(Tiny());
        int norms = 0;
        foreach (var (name, parameter) in net.named_parameters())
        {
            Assert.True(torch.isfinite(parameter).all().item<bool>(), $"{name} has non-finite entries");
            if (!name.Contains("norm", StringComparison.OrdinalIgnoreCase)) continue;
            norms++;
            double expected = name.EndsWith(".weight") ? 1.0 : 0.0;
            Assert.True(parameter.eq(Scalars.Of(expected)).all().item<bool>(), $"{name} should be all {expected}");
        }
        // 6 stages x 2 norms, 4 attention norms (down 1, middle 1, up 2), 2 middle res blocks x 2, output 1; weight and bias each.
        Assert.Equal(2 * (2 * 6 + 4 + 4 + 1), norms);
    }

    [Fact]
    public void ClassLabelsChangeTheOutput()
    {
        torch.manual_seed(7);
        using var net = new UNet(Tiny(numClasses: 3));
        net.eval();
        using var x = torch.randn(2, 1, 8, 8);
        using var t = torch.tensor(new[] { 0.5f, 0.5f });
        using var a = net.forward(x, t, torch.tensor(new long[] { 0, 0 }));
        using var b = net.forward(x, t, torch.tensor(new long[] { 1, 2 }));
        using var c = net.forward(x, t, torch.tensor(new long[] { 0, 0 }));
        Assert.Equal(new long[] { 2, 1, 8, 8 }, a.shape);
        Assert.True(MaxAbsDifference(a, b) > 1e-4);
        Assert.True(Identical(a, c));
        Assert.Throws<ArgumentNullException>(() => net.forward(x, t, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.forward(x, t, torch.tensor(new long[] { 0, 3 })));
        using var unconditional = new UNet(Tiny());
        Assert.Throws<ArgumentException>(() => unconditional.forward(x, t, torch.tensor(new long[] { 0, 1 })));
    }

    [Fact]
    public void StateDictNamesAreStable()
    {
        using var a = new UNet(Tiny(numClasses: 2));
        using var b = new UNet(Tiny(numClasses: 2));
        var keys = a.state_dict().Keys.ToArray();
        Assert.Equal(keys, b.state_dict().Keys.ToArray());
        foreach (var expected in new[] { "stem.weight", "timeEmbedding.linear1.weight", "timeEmbedding.classEmbedding.weight",
                     "downStages.0.res.norm1.weight", "downStages.1.attn.qkv.weight", "midAttn.proj.bias", "upStages.3.res.skip.weight",
                     "outConv.weight" })
            Assert.Contains(expected, keys);
        Assert.Equal(a.parameters().Sum(p => p.numel()), a.ParameterCount);
    }

    [Theory]
    [InlineData("height")]
    [InlineData("groups")]
    [InlineData("width")]
    [InlineData("attention")]
    [InlineData("heads")]
    [InlineData("multipliers")]
    [InlineData("dropout")]
    public void InvalidOptionsAreRejected(string problem)
    {
        var options = problem switch
        {
            "height" => Tiny() with { Height = 7 },
            "groups" => Tiny() with { BaseChannels = 12 },
            "width" => Tiny() with { Width = 6, ChannelMultipliers = new[] { 1, 2, 2 } },
            "attention" => Tiny() with { AttentionResolutions = new[] { 16 } },
            "heads" => Tiny() with { AttentionHeads = 5 },
            "multipliers" => Tiny() with { ChannelMultipliers = Array.Empty<int>() },
            _ => Tiny() with { Dropout = 1.0 },
        };
        Assert.Throws<ArgumentOutOfRangeException>(() => new UNet(options));
    }

    [Fact]
    public void MultiHeadAttentionRuns()
    {
        torch.manual_seed(8);
        using var net = new UNet(Tiny() with { AttentionHeads = 4, AttentionResolutions = new[] { 8, 4 } });
        using var eps = net.forward(torch.randn(2, 1, 8, 8), torch.rand(2), null);
        Assert.Equal(new long[] { 2, 1, 8, 8 }, eps.shape);
        Assert.True(torch.isfinite(eps).all().item<bool>());
    }
}
