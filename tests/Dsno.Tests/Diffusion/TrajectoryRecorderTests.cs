using Dsno.Diffusion;
using Dsno.Diffusion.Solvers;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Tests.Diffusion;

public class TrajectoryRecorderTests
{
    private static Tensor Network(Tensor x, Tensor t) => x.Times(0.5).Plus(t.view(-1, 1, 1, 1).to_type(x.dtype).Times(0.2));

    [Fact]
    public void RecordsTheModelsDenoisedEstimateAtEachFrameTime()
    {
        using var scope = torch.NewDisposeScope();
        var schedule = new CosineSchedule();
        double[] frames = FrameTimes.Quadratic(4);
        double[] times = StepTimes.WithFrames(StepTimes.Uniform(10), frames);
        var states = new Dictionary<double, Tensor>();
        var x = torch.randn(new long[] { 3, 2, 4, 4 }, dtype: ScalarType.Float64, generator: new Generator(21));

        using var recorder = new TrajectoryRecorder(frames);
        var result = DpmSolver2M.Sample(new EpsilonDenoiser(Network, schedule), x, times, step =>
        {
            recorder.Callback(step);
            states[step.Time] = step.State.clone().MoveToOuterDisposeScope();
        });
        var recorded = recorder.Frames;

        Assert.Equal(new long[] { 3, frames.Length, 2, 4, 4 }, recorded.shape);
        Assert.Equal(ScalarType.Float64, recorded.dtype);
        Assert.Equal(x.device.ToString(), recorded.device.ToString());
        Assert.False(recorded.requires_grad);
        var model = new EpsilonDenoiser(Network, schedule);
        for (int f = 0; f + 1 < frames.Length; f++)
        {
            // The denoised estimate computed here by hand, from the state the solver reached at that time.
            var state = states[frames[f]];
            var eps = Network(state, torch.full(new long[] { 3 }, Scalars.Of(frames[f]), dtype: ScalarType.Float32));
            var expected = (state - eps.Times(schedule.Sigma(frames[f]))).DividedBy(schedule.Alpha(frames[f]));
            Assert.True(torch.allclose(recorded[.., f], expected, rtol: 0, atol: 1e-12), $"frame {f} at t = {frames[f]}");
            Assert.True(torch.allclose(recorded[.., f], model.Predict(state, frames[f]).Denoised, rtol: 0, atol: 1e-12));
        }
        Assert.True(torch.allclose(recorded[.., ^1], result, rtol: 0, atol: 0), "the frame at t = 0 is the final state");
    }

    [Fact]
    public void CanRecordStatesInstead()
    {
        using var scope = torch.NewDisposeScope();
        double[] frames = { 0.5, 0.25, 0 };
        double[] times = StepTimes.Uniform(8);
        var states = new Dictionary<double, Tensor>();
        using var recorder = new TrajectoryRecorder(frames, recordStates: true);
        var x = torch.randn(2, 1, 3, 3);
        Ddim.Sample(new EpsilonDenoiser(Network, new LinearSchedule()), x, times, step =>
        {
            recorder.Callback(step);
            states[step.Time] = step.State.clone().MoveToOuterDisposeScope();
        });
        var recorded = recorder.Frames;
        for (int f = 0; f < frames.Length; f++)
            Assert.True(torch.allclose(recorded[.., f], states[frames[f]], rtol: 0, atol: 0));
        // Denoised and state differ at t = 0.5, so the option is not a no-op.
        using var denoised = new TrajectoryRecorder(frames);
        Ddim.Sample(new EpsilonDenoiser(Network, new LinearSchedule()), x, times, denoised.Callback);
        Assert.False(torch.allclose(denoised.Frames[.., 0], recorded[.., 0], rtol: 0, atol: 1e-3));
    }

    [Fact]
    public void MissingFrameTimesAreNamed()
    {
        using var scope = torch.NewDisposeScope();
        using var recorder = new TrajectoryRecorder(new[] { 0.5625, 0.5, 0.0 });
        Euler.Sample(new EpsilonDenoiser(Network, new CosineSchedule()), torch.randn(1, 1, 2, 2), StepTimes.Uniform(4), recorder.Callback);
        var error = Assert.Throws<InvalidOperationException>(() => recorder.Frames);
        Assert.Contains("0.5625", error.Message);
        Assert.DoesNotContain("0.5,", error.Message);
    }

    [Fact]
    public void FramesSurviveTheSolversScopes()
    {
        Tensor frames;
        using (var outer = torch.NewDisposeScope())
        {
            using var recorder = new TrajectoryRecorder(new[] { 0.5, 0.0 });
            using (torch.NewDisposeScope())
                Heun.Sample(new EpsilonDenoiser(Network, new CosineSchedule()), torch.randn(2, 1, 2, 2), StepTimes.Uniform(2), recorder.Callback);
            frames = recorder.Frames.MoveToOuterDisposeScope();
        }
        using (frames)
            Assert.True(double.IsFinite(frames.sum().item<float>()));
    }

    [Fact]
    public void BadFrameTimesAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrajectoryRecorder(Array.Empty<double>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrajectoryRecorder(new[] { 0.2, 0.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrajectoryRecorder(new[] { 2.0, 0.0 }));
    }
}
