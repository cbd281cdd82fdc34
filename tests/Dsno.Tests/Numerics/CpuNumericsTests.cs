using Dsno.Networks;
using Dsno.Runtime;
using Dsno.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Tests.Numerics;

public sealed class CpuNumericsTests
{
    [Fact]
    public void TheCheckPicksARouteWhoseProbesAreRight()
    {
        var check = CpuNumerics.Check();
        Assert.Equal(torch.get_num_threads(), check.Threads);
        Assert.NotEmpty(check.Probes);
        Assert.True(check.IsRight, string.Join("\n", check.Probes));
        Assert.All(check.Probes.Where(p => p.Route == check.Route), p => Assert.True(p.InputGradientError < 1e-5, p.ToString()));
        // The check runs once per thread count.
        Assert.Same(check, CpuNumerics.Check());
    }

    [Theory]
    [InlineData(1, 3, 1)]
    [InlineData(32, 1, 1)]
    [InlineData(32, 3, 2)]
    [InlineData(16, 24, 1)]
    public void ChannelPaddingGivesThePlainConvolutionsValuesAndGradients(int inChannels, int outChannels, int stride)
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(3);
        var x = torch.randn(new long[] { 4, inChannels, 8, 8 }, ScalarType.Float64, generator: generator);
        var w = torch.randn(new long[] { outChannels, inChannels, 3, 3 }, ScalarType.Float64, generator: generator);
        var b = torch.randn(new long[] { outChannels }, ScalarType.Float64, generator: generator);
        var strides = new long[] { stride, stride };
        var padding = new long[] { 1, 1 };
        var dilation = new long[] { 1, 1 };

        var (plain, plainGradients) = Run((xx, ww, bb) => nn.functional.conv2d(xx, ww, bb, strides, padding, dilation));
        var (padded, paddedGradients) = Run((xx, ww, bb) => ChannelPaddedConvolution.Apply(xx, ww, bb, strides, padding, dilation));

        Assert.Equal(plain.shape, padded.shape);
        Assert.True(torch.allclose(plain, padded, rtol: 1e-12, atol: 1e-12));
        for (int i = 0; i < 3; i++) Assert.True(torch.allclose(plainGradients[i], paddedGradients[i], rtol: 1e-12, atol: 1e-12), $"gradient {i}");

        (Tensor, Tensor[]) Run(Func<Tensor, Tensor, Tensor, Tensor> conv)
        {
            var xx = x.clone().requires_grad_(true);
            var ww = w.clone().requires_grad_(true);
            var bb = b.clone().requires_grad_(true);
            var y = conv(xx, ww, bb);
            (y * y).sum().backward();
            return (y.detach(), new[] { xx.grad!, ww.grad!, bb.grad! });
        }
    }

    [Fact]
    public void TheSelfCheckPassesARealNetworkAndLeavesItUntouched()
    {
        using var network = new UNet(new UNetOptions { BaseChannels = 16, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 1, Dropout = 0.1 });
        network.train();
        var before = network.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        var result = GradientSelfCheck.Verify("test", network);
        Assert.True(result.WorstError < 1e-4, result.ToString());
        Assert.True(network.training);
        Assert.All(network.parameters(), p => Assert.Null(p.grad));
        foreach (var (name, value) in network.state_dict()) Assert.True(torch.allclose(value, before[name], rtol: 0, atol: 0), name);
    }

    [Fact]
    public void TheSelfCheckRefusesANetworkWhoseFloat32GradientsAreWrong()
    {
        using var network = new WrongGradients();
        CpuNumerics.RouteOverride = ConvolutionRoute.OneDnn;
        try
        {
            var e = Assert.Throws<GradientCheckFailedException>(() => GradientSelfCheck.Verify("faulty stage", network));
            Assert.Contains("faulty stage", e.Message);
            Assert.Contains("weight", e.Message);
            Assert.Contains(CpuNumerics.EnvironmentVariable, e.Message);
            Assert.True(e.Error > 0.1);
        }
        finally
        {
            CpuNumerics.RouteOverride = null;
        }
    }

    [Fact]
    public void AFailedSelfCheckFallsBackToTheReferenceKernelsBeforeGivingUp()
    {
        using var network = new WrongGradients();
        try
        {
            CpuNumerics.Reset();
            Assert.Throws<GradientCheckFailedException>(() => GradientSelfCheck.Verify("faulty stage", network));
            Assert.Equal(ConvolutionRoute.Reference, CpuNumerics.Route);
            Assert.Contains("faulty stage", CpuNumerics.Escalation);
            Assert.False(LibTorchContext.OneDnnEnabled);
        }
        finally
        {
            CpuNumerics.Reset();
        }
        Assert.True(LibTorchContext.OneDnnEnabled);
    }

    /// <summary>A module whose float32 gradient is wrong by design (its value is right): what a faulty kernel looks like.</summary>
    private sealed class WrongGradients : nn.Module<Tensor, Tensor>, IGradientCheckable
    {
        private readonly TorchSharp.Modules.Parameter weight;

        public WrongGradients() : base("wrong")
        {
            weight = new TorchSharp.Modules.Parameter(torch.ones(3));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var y = x * weight;
            // In float32 the gradient gains a term whose value is zero: right outputs, wrong gradients.
            return x.dtype == ScalarType.Float32 ? y.Plus((weight - weight.detach()).Times(0.5)) : y;
        }

        public nn.Module NewUntrainedCopy() => new WrongGradients();

        public Tensor CheckObjective(Generator generator) =>
            forward(torch.randn(new long[] { 2, 3 }, ScalarType.Float64, generator: generator).to(weight.dtype)).sum();
    }
}
