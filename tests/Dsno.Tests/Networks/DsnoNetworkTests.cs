using Dsno.Diffusion;
using Dsno.Networks;
using TorchSharp;
using static Dsno.Tests.Networks.NetworkTestModels;
using static TorchSharp.torch;

namespace Dsno.Tests.Networks;

public class DsnoNetworkTests
{
    private static void ZeroTemporalWeights(DsnoNetwork network)
    {
        using var _ = torch.no_grad();
        foreach (var layer in network.TemporalLayers) layer.Weight.zero_();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void WithZeroTemporalWeightsEachFrameIsTheTeacherAtItsTime(int numClasses)
    {
        torch.manual_seed(10 + numClasses);
        using var teacher = new UNet(Tiny(numClasses));
        teacher.eval();
        var times = FrameTimes.Quadratic(4);
        using var dsno = DsnoNetwork.FromTeacher(teacher, times);
        dsno.eval();
        ZeroTemporalWeights(dsno);

        const int batch = 3;
        using var noise = torch.randn(batch, 1, 8, 8);
        using var labels = numClasses > 0 ? torch.tensor(new long[] { 2, 0, 1 }) : null;
        using var frames = dsno.forward(noise, labels);
        Assert.Equal(new long[] { batch, times.Length, 1, 8, 8 }, frames.shape);
        for (int m = 0; m < times.Length; m++)
        {
            using var expected = teacher.forward(noise, torch.full(new long[] { batch }, Scalars.Of((double)(float)times[m]), dtype: ScalarType.Float32), labels);
            double difference = MaxAbsDifference(frames[TensorIndex.Colon, m], expected);
            Assert.True(difference < 1e-5, $"frame {m} (t = {times[m]}) differs from the teacher by {difference}");
        }
        Assert.True(MaxAbsDifference(frames[TensorIndex.Colon, 0], frames[TensorIndex.Colon, 3]) > 1e-4, "frames at different times must differ");
    }

    [Fact]
    public void TemporalLayersCoupleTheFrames()
    {
        torch.manual_seed(12);
        using var teacher = new UNet(Tiny());
        teacher.eval();
        var times = FrameTimes.Quadratic(4);
        using var dsno = DsnoNetwork.FromTeacher(teacher, times);
        dsno.eval();
        using (torch.no_grad())
            foreach (var layer in dsno.TemporalLayers) layer.Weight.uniform_(-0.2, 0.2);
        using var noise = torch.randn(2, 1, 8, 8);
        using var frames = dsno.forward(noise, null);
        using var teacherFrame = teacher.forward(noise, torch.full(new long[] { 2 }, Scalars.Of((double)(float)times[0]), dtype: ScalarType.Float32), null);
        Assert.True(MaxAbsDifference(frames[TensorIndex.Colon, 0], teacherFrame) > 1e-4, "non-zero temporal weights must change the frames");
    }

    [Fact]
    public void FromTeacherCopiesEveryWeightAndBuffer()
    {
        torch.manual_seed(13);
        using var teacher = new UNet(Tiny(numClasses: 2));
        using var dsno = DsnoNetwork.FromTeacher(teacher, FrameTimes.Uniform(4));
        var source = teacher.state_dict();
        var copied = dsno.Backbone.state_dict();
        Assert.Equal(source.Keys.OrderBy(k => k), copied.Keys.OrderBy(k => k));
        foreach (var (key, value) in source)
        {
            Assert.True(Identical(value, copied[key]), $"{key} was not copied");
            Assert.NotEqual(value.Handle, copied[key].Handle); // a copy, not shared storage
        }
        Assert.Equal(teacher.HookChannels.Count, dsno.TemporalLayers.Count);
        Assert.Equal(2, dsno.Modes);
    }

    [Fact]
    public void EvaluateAtTheFrameTimesEqualsForward()
    {
        torch.set_num_threads(1);
        torch.manual_seed(14);
        using var dsno = new DsnoNetwork(Tiny(numClasses: 2), FrameTimes.Quadratic(4));
        dsno.eval();
        using var noise = torch.randn(2, 1, 8, 8);
        using var labels = torch.tensor(new long[] { 1, 0 });
        using var frames = dsno.forward(noise, labels);
        using var evaluated = dsno.Evaluate(noise, labels, dsno.FrameTimes);
        Assert.True(Identical(frames, evaluated));
    }

    [Fact]
    public void EvaluateDecodesAtOtherTimesWithTheSameModes()
    {
        torch.manual_seed(15);
        using var teacher = new UNet(Tiny());
        teacher.eval();
        using var dsno = DsnoNetwork.FromTeacher(teacher, FrameTimes.Quadratic(4));
        dsno.eval();
        ZeroTemporalWeights(dsno);
        var query = FrameTimes.Quadratic(8);
        using var noise = torch.randn(2, 1, 8, 8);
        using var frames = dsno.Evaluate(noise, null, query);
        Assert.Equal(new long[] { 2, 8, 1, 8, 8 }, frames.shape);
        for (int m = 0; m < query.Length; m++)
        {
            using var expected = teacher.forward(noise, torch.full(new long[] { 2 }, Scalars.Of((double)(float)query[m]), dtype: ScalarType.Float32), null);
            Assert.True(MaxAbsDifference(frames[TensorIndex.Colon, m], expected) < 1e-5, $"slice {m}");
        }

        using var wide = new DsnoNetwork(Tiny(), FrameTimes.Quadratic(4), modes: 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => wide.Evaluate(noise, null, new[] { 0.5, 0.2, 0.0 })); // J = 3 > 3/2 + 1
        Assert.Throws<ArgumentOutOfRangeException>(() => dsno.Evaluate(noise, null, new[] { 0.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => dsno.Evaluate(noise, null, new[] { 1.5, 0.0 }));
    }

    [Fact]
    public void TimeDomainAndFftTemporalPathsGiveTheSameFramesAndGradients()
    {
        torch.manual_seed(16);
        using var dsno = new DsnoNetwork(Tiny(numClasses: 2), FrameTimes.Quadratic(4));
        using (torch.no_grad())
            foreach (var layer in dsno.TemporalLayers) layer.Weight.uniform_(-0.3, 0.3);
        using var noise = torch.randn(2, 1, 8, 8);
        using var labels = torch.tensor(new long[] { 1, 0 });
        using var target = torch.randn(new long[] { 2, 4, 1, 8, 8 });
        var decodeTimes = FrameTimes.Quadratic(6);

        (Tensor Frames, Tensor Decoded, Tensor[] Gradients) Run(TemporalMixingPath path)
        {
            dsno.TemporalPath = path;
            Assert.All(dsno.TemporalLayers, layer => Assert.Equal(path, layer.Path));
            dsno.eval();
            Tensor frames, decoded;
            using (torch.no_grad())
            {
                frames = dsno.forward(noise, labels);
                decoded = dsno.Evaluate(noise, labels, decodeTimes);
            }
            dsno.train();
            dsno.zero_grad();
            using (var loss = (dsno.forward(noise, labels) - target).Squared().mean()) loss.backward();
            var gradients = dsno.TemporalLayers.Select(l => l.Weight.grad!.clone())
                .Append(dsno.Backbone.parameters().First().grad!.clone()).ToArray();
            return (frames, decoded, gradients);
        }

        var spectral = Run(TemporalMixingPath.Spectral);
        var timeDomain = Run(TemporalMixingPath.TimeDomain);
        Assert.True(MaxAbsDifference(spectral.Frames, timeDomain.Frames) < 1e-4, $"frames differ by {MaxAbsDifference(spectral.Frames, timeDomain.Frames):E3}");
        Assert.True(MaxAbsDifference(spectral.Decoded, timeDomain.Decoded) < 1e-4, "frames decoded at M' = 6 differ");
        for (int k = 0; k < spectral.Gradients.Length; k++)
        {
            double scale = Math.Max(1e-3, spectral.Gradients[k].abs().max().item<float>());
            double difference = MaxAbsDifference(spectral.Gradients[k], timeDomain.Gradients[k]);
            Assert.True(difference < 1e-3 * scale, $"gradient {k} differs by {difference:E3} (scale {scale:E3})");
        }
        Assert.True(MaxAbsDifference(spectral.Frames[TensorIndex.Colon, 0], spectral.Frames[TensorIndex.Colon, 3]) > 1e-4);
    }

    [Fact]
    public void ParameterOverheadIsReported()
    {
        using var dsno = new DsnoNetwork(Tiny(), FrameTimes.Quadratic(4));
        long expected = dsno.Backbone.HookChannels.Sum(c => (long)dsno.Modes * c * c * 2);
        Assert.Equal(expected, dsno.TemporalParameterCount);
        Assert.Equal(dsno.Backbone.ParameterCount + expected, dsno.ParameterCount);
        Assert.Equal(dsno.parameters().Sum(p => p.numel()), dsno.ParameterCount);
        Assert.True(dsno.TemporalParameterCount > 0);
    }

    [Fact]
    public void ForwardPassesCountEachEvaluation()
    {
        using var dsno = new DsnoNetwork(Tiny(), FrameTimes.Quadratic(4));
        dsno.eval();
        using var noise = torch.randn(1, 1, 8, 8);
        Assert.Equal(0, dsno.Evaluations);
        dsno.forward(noise, null).Dispose();
        dsno.Evaluate(noise, null, new[] { 0.9, 0.5, 0.1, 0.0 }).Dispose();
        Assert.Equal(2, dsno.Evaluations);
    }

    [Fact]
    public void InvalidFrameTimesOrModesAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DsnoNetwork(Tiny(), new[] { 0.5, 0.7, 0.0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DsnoNetwork(Tiny(), new[] { 0.0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DsnoNetwork(Tiny(), FrameTimes.Quadratic(4), modes: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DsnoNetwork(Tiny(), FrameTimes.Quadratic(4), modes: 0));
    }
}
