using Dsno.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Tests.Diffusion;

/// <summary>What every solver promises besides accuracy: callbacks, evaluation counts, argument checks, tensor lifetimes.</summary>
public class SolverContractTests
{
    public static TheoryData<string> SolverNames() => new() { "ddim", "dpm-solver-2m", "heun", "euler" };

    /// <summary>A small smooth network that depends on both x and t.</summary>
    private static Tensor Network(Tensor x, Tensor t) => x.Times(0.4).Plus(t.view(-1, 1, 1, 1).to_type(x.dtype).Times(0.3)).Plus(-0.1);

    [Theory]
    [MemberData(nameof(SolverNames))]
    public void CallbackReportsEveryTimeWithTheModelsPredictionThere(string name)
    {
        using var scope = torch.NewDisposeScope();
        var schedule = new CosineSchedule();
        double[] times = StepTimes.Quadratic(5);
        var reference = new EpsilonDenoiser(Network, schedule);
        var steps = new List<(int Index, double Time, Tensor State, Tensor Denoised)>();
        var x = torch.randn(new long[] { 3, 1, 4, 4 }, dtype: ScalarType.Float64, generator: new Generator(11));

        var result = Samplers.Get(name)(new EpsilonDenoiser(Network, schedule), x, times,
            s => steps.Add((s.Index, s.Time, s.State.clone().DetachFromDisposeScope(), s.Denoised.clone().DetachFromDisposeScope())));

        Assert.Equal(Enumerable.Range(0, times.Length), steps.Select(s => s.Index));
        Assert.Equal(times, steps.Select(s => s.Time));
        Assert.True(torch.allclose(steps[0].State, x, rtol: 0, atol: 0));
        for (int i = 0; i + 1 < times.Length; i++)
            Assert.True(torch.allclose(steps[i].Denoised, reference.Predict(steps[i].State, times[i]).Denoised, rtol: 0, atol: 1e-12),
                $"step {i}: reported x0_hat is not the model's prediction at the reported state");
        Assert.True(torch.allclose(steps[^1].State, result, rtol: 0, atol: 0));
        Assert.True(torch.allclose(steps[^1].Denoised, result, rtol: 0, atol: 0));
        foreach (var s in steps) { s.State.Dispose(); s.Denoised.Dispose(); }
    }

    [Theory]
    [MemberData(nameof(SolverNames))]
    public void EvaluationsMatchTheAdvertisedCount(string name)
    {
        using var scope = torch.NewDisposeScope();
        foreach (int steps in new[] { 1, 2, 7 })
        {
            var denoiser = new EpsilonDenoiser(Network, new LinearSchedule());
            Samplers.Get(name)(denoiser, torch.randn(2, 1, 2, 2), StepTimes.Uniform(steps));
            Assert.Equal(Samplers.Evaluations(name, steps), denoiser.Evaluations);
        }
        Assert.Equal(name == "heun" ? 12 : 7, Samplers.Evaluations(name, 7));
    }

    [Theory]
    [MemberData(nameof(SolverNames))]
    public void InputSurvivesAndResultOutlivesTheSolver(string name)
    {
        using var outer = torch.NewDisposeScope();
        var x = torch.randn(2, 1, 3, 3);
        var copy = x.clone();
        Tensor result;
        using (var inner = torch.NewDisposeScope())
        {
            result = Samplers.Get(name)(new EpsilonDenoiser(Network, new CosineSchedule()), x, StepTimes.Uniform(4)).MoveToOuterDisposeScope();
        }
        Assert.True(torch.allclose(x, copy, rtol: 0, atol: 0), "the solver changed its input");
        Assert.Equal(x.shape, result.shape);
        Assert.Equal(ScalarType.Float32, result.dtype);
        Assert.True(double.IsFinite(result.sum().item<float>()));
    }

    [Theory]
    [MemberData(nameof(SolverNames))]
    public void BadStepListsAreRejected(string name)
    {
        using var scope = torch.NewDisposeScope();
        var sampler = Samplers.Get(name);
        var denoiser = new EpsilonDenoiser(Network, new CosineSchedule());
        var x = torch.zeros(1, 1, 2, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler(denoiser, x, new[] { 1.0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler(denoiser, x, new[] { 1.0, 0.5, 0.5, 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler(denoiser, x, new[] { 0.0, 1.0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler(denoiser, x, new[] { 1.2, 0.0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler(denoiser, x, new[] { 1.0, double.NaN, 0.0 }));
        Assert.Equal(0, denoiser.Evaluations);
    }

    [Fact]
    public void SamplersByNameAreTheSolverClasses()
    {
        Assert.Equal(new[] { "ddim", "dpm-solver-2m", "heun", "euler" }, Samplers.Names);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Samplers.Get("rk4"));
        foreach (string valid in Samplers.Names) Assert.Contains(valid, error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Samplers.Evaluations("rk4", 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Samplers.Evaluations("ddim", 0));

        using var scope = torch.NewDisposeScope();
        var x = torch.randn(new long[] { 2, 1, 2, 2 }, dtype: ScalarType.Float64, generator: new Generator(2));
        var times = StepTimes.Uniform(3);
        var denoiser = new EpsilonDenoiser(Network, new CosineSchedule());
        Assert.True(torch.allclose(Samplers.Get("heun")(denoiser, x, times), Dsno.Diffusion.Solvers.Heun.Sample(denoiser, x, times), rtol: 0, atol: 0));
        Assert.False(torch.allclose(Samplers.Get("euler")(denoiser, x, times), Dsno.Diffusion.Solvers.Heun.Sample(denoiser, x, times), rtol: 0, atol: 1e-6));
    }
}
