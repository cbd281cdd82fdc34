using Dsno.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Tests.Diffusion;

public class EpsilonDenoiserTests
{
    [Fact]
    public void DenoisedIsXMinusSigmaEpsOverAlpha()
    {
        using var scope = torch.NewDisposeScope();
        var schedule = new CosineSchedule();
        Tensor? seenTimes = null;
        Tensor Network(Tensor x, Tensor t)
        {
            seenTimes = t.clone().DetachFromDisposeScope();
            return x.sin().Plus(t.view(-1, 1, 1, 1));
        }
        var denoiser = new EpsilonDenoiser(Network, schedule);
        var x = torch.randn(new long[] { 3, 2, 4, 4 }, dtype: ScalarType.Float64, generator: new Generator(7));
        var prediction = denoiser.Predict(x, 0.3);

        using var times = seenTimes!;
        Assert.Equal(ScalarType.Float32, times.dtype);
        Assert.Equal(new long[] { 3 }, times.shape);
        Assert.All(times.data<float>().ToArray(), v => Assert.Equal(0.3f, v));
        var eps = x.sin().Plus((double)0.3f);
        Assert.True(torch.allclose(prediction.Epsilon, eps, rtol: 0, atol: 1e-12));
        var denoised = (x - eps.Times(schedule.Sigma(0.3))).DividedBy(schedule.Alpha(0.3));
        Assert.True(torch.allclose(prediction.Denoised, denoised, rtol: 0, atol: 1e-12));
        Assert.Equal(1, denoiser.Evaluations);
    }

    [Fact]
    public void ClippingKeepsBothPredictionsConsistent()
    {
        using var scope = torch.NewDisposeScope();
        var schedule = new LinearSchedule();
        var denoiser = new EpsilonDenoiser((x, t) => x.Times(-3L), schedule, clipDenoised: true);
        var x = torch.randn(new long[] { 4, 1, 3, 3 }, dtype: ScalarType.Float64, generator: new Generator(3)).Times(2L);
        double t = 0.6;
        var prediction = denoiser.Predict(x, t);
        Assert.True(prediction.Denoised.abs().max().item<double>() <= 1.0);
        var unclipped = x.Plus(x.Times(3 * schedule.Sigma(t))).DividedBy(schedule.Alpha(t));
        Assert.True(unclipped.abs().max().item<double>() > 1.0, "the test input must need clipping");
        Assert.True(torch.allclose(prediction.Denoised, unclipped.ClampTo(-1L, 1L), rtol: 0, atol: 1e-12));
        var rebuilt = prediction.Denoised.Times(schedule.Alpha(t)).Plus(prediction.Epsilon.Times(schedule.Sigma(t)));
        Assert.True(torch.allclose(rebuilt, x, rtol: 0, atol: 1e-10));
    }

    [Fact]
    public void EvaluationsAreCountedAcrossThreads()
    {
        var denoiser = new EpsilonDenoiser((x, t) => x.Times(0.5), new CosineSchedule());
        Parallel.For(0, 40, _ =>
        {
            using var scope = torch.NewDisposeScope();
            denoiser.Predict(torch.ones(2, 1, 2, 2), 0.5);
        });
        Assert.Equal(40, denoiser.Evaluations);
    }

    [Fact]
    public void BadInputIsRejected()
    {
        using var scope = torch.NewDisposeScope();
        var wrongShape = new EpsilonDenoiser((x, t) => x.sum(1), new CosineSchedule());
        Assert.Throws<InvalidOperationException>(() => wrongShape.Predict(torch.ones(2, 3, 2, 2), 0.5));
        var denoiser = new EpsilonDenoiser((x, t) => x, new CosineSchedule());
        Assert.Throws<ArgumentOutOfRangeException>(() => denoiser.Predict(torch.ones(2, 3, 2, 2), 1.5));
        Assert.Throws<ArgumentNullException>(() => new EpsilonDenoiser(null!, new CosineSchedule()));
    }

    [Fact]
    public void ANetworkReturningItsInputLeavesTheInputAlive()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.ones(2, 1, 2, 2);
        using (torch.NewDisposeScope())
        {
            var prediction = new EpsilonDenoiser((input, t) => input, new CosineSchedule()).Predict(x, 0.5);
            Assert.False(ReferenceEquals(prediction.Epsilon, x));
        }
        Assert.Equal(8f, x.sum().item<float>());
    }
}
