using Dsno.Diffusion;
using Dsno.Models;
using Dsno.Networks;
using Dsno.Runtime;
using Dsno.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Tests.Guidance;

/// <summary>Classifier-free guidance in the core: the wrapper's formula, w = 0, label dropout, evaluation counts and bad input.</summary>
public class GuidanceCoreTests
{
    private static DiffusionTeacher GuidableTeacher(int seed = 2) =>
        new(TinyModels.Digits(classes: 3) with { NullClass = true }, seed: seed);

    [Fact]
    public void WrapperComputesOnePlusWConditionalMinusWNullInOneCall()
    {
        using var scope = torch.NewDisposeScope();
        int calls = 0;
        long rowsSeen = 0;
        // A toy network whose output depends on x, t and the label, so that a wrong half or a wrong sign shows.
        Tensor Network(Tensor x, Tensor t, Tensor? y)
        {
            calls++;
            rowsSeen = x.shape[0];
            return (x.Times(2.0) * y!.to(x.dtype).Plus(1.0).view(-1, 1, 1, 1)).Plus(t.view(-1, 1, 1, 1));
        }
        var labels = torch.tensor(new long[] { 0, 2, 1 });
        var w = torch.tensor(new[] { 0.5f, 2f, 0f });
        var guided = ClassifierFreeGuidance.Wrap(Network, labels, nullLabel: 3, w);
        var x = torch.randn(new long[] { 3, 1, 4, 4 }, generator: new Generator(5));
        var t = torch.full(new long[] { 3 }, Scalars.Of(0.4), dtype: ScalarType.Float32);
        var eps = guided(x, t);

        Assert.Equal(1, calls);
        Assert.Equal(6, rowsSeen);
        for (int i = 0; i < 3; i++)
        {
            double wi = w[i].item<float>();
            var conditional = x[i].Times(2.0 * (labels[i].item<long>() + 1)).Plus(0.4);
            var unconditional = x[i].Times(2.0 * 4).Plus(0.4);
            var expected = conditional.Times(1 + wi) - unconditional.Times(wi);
            Assert.True(torch.allclose(eps[i], expected, rtol: 1e-6, atol: 1e-5), $"row {i}");
        }
    }

    [Fact]
    public void GuidedTinyUNetMatchesTheTwoSeparatePredictions()
    {
        using var scope = torch.NewDisposeScope();
        torch.set_num_threads(1);
        using var teacher = GuidableTeacher();
        using var noGrad = torch.no_grad();
        var network = teacher.Network;
        var x = torch.randn(new long[] { 4, 1, 8, 8 }, generator: new Generator(3));
        var t = torch.tensor(new[] { 0.9f, 0.5f, 0.3f, 0.1f });
        var labels = torch.tensor(new long[] { 0, 1, 2, 1 });
        var w = torch.tensor(new[] { 1f, 3f, 0.5f, 0f });
        var guided = ClassifierFreeGuidance.Wrap((a, b, c) => network.forward(a, b, c), labels, network.NullLabel, w)(x, t);
        var conditional = network.forward(x, t, labels);
        var unconditional = network.forward(x, t, torch.full(new long[] { 4 }, Scalars.Of(3L), dtype: ScalarType.Int64));
        var expected = (w.view(-1, 1, 1, 1).Plus(1.0) * conditional) - (w.view(-1, 1, 1, 1) * unconditional);
        Assert.True(torch.allclose(guided, expected, rtol: 1e-5, atol: 1e-5));
        // The null class is its own row: the unconditional prediction differs from every conditional one.
        Assert.False(torch.allclose(conditional, unconditional, rtol: 1e-3, atol: 1e-4));
    }

    [Theory]
    [InlineData("ddim")]
    [InlineData("dpm-solver-2m")]
    public void ScaleZeroIsTheUnguidedSolveBitForBit(string solver)
    {
        using var scope = torch.NewDisposeScope();
        torch.set_num_threads(1);
        using var teacher = GuidableTeacher();
        var noise = torch.randn(new long[] { 5, 1, 8, 8 }, generator: new Generator(9));
        var labels = torch.tensor(new long[] { 0, 1, 2, 0, 1 });
        long before = teacher.Evaluations;
        var (plain, plainFrames) = teacher.Solve(noise, labels, solver, 6, FrameTimes.Quadratic(4));
        long plainEvaluations = teacher.Evaluations - before;
        before = teacher.Evaluations;
        var (zero, zeroFrames) = teacher.Solve(noise, labels, torch.zeros(5), solver, 6, FrameTimes.Quadratic(4));
        Assert.Equal(plainEvaluations, teacher.Evaluations - before);
        Assert.True(torch.equal(plain, zero).all().item<bool>());
        Assert.True(torch.equal(plainFrames!, zeroFrames!).all().item<bool>());
        // And w > 0 does change the samples (the test would pass vacuously if guidance were ignored).
        var (guided, _) = teacher.Solve(noise, labels, torch.full(new long[] { 5 }, Scalars.Of(2.0)), solver, 6, FrameTimes.Quadratic(4));
        Assert.False(torch.allclose(plain, guided, rtol: 1e-3, atol: 1e-3));
    }

    [Theory]
    [InlineData("ddim", 5)]
    [InlineData("dpm-solver-2m", 5)]
    [InlineData("heun", 5)]
    [InlineData("euler", 4)]
    public void EveryGuidedStepCountsTwoEvaluations(string solver, int steps)
    {
        using var scope = torch.NewDisposeScope();
        torch.set_num_threads(1);
        using var teacher = GuidableTeacher();
        var noise = torch.randn(new long[] { 2, 1, 8, 8 }, generator: new Generator(4));
        var labels = torch.tensor(new long[] { 2, 0 });
        long before = teacher.Evaluations;
        teacher.Solve(noise, labels, solver, steps);
        long unguided = teacher.Evaluations - before;
        Assert.Equal(Samplers.Evaluations(solver, steps), unguided);

        before = teacher.Evaluations;
        var guidance = torch.tensor(new[] { 1.5f, 0f });
        var denoiser = teacher.CreateDenoiser(labels, guidance);
        Samplers.Get(solver)(denoiser, noise, teacher.DefaultStepTimes(solver, steps));
        Assert.Equal(2 * unguided, teacher.Evaluations - before);
        Assert.Equal(2 * unguided, denoiser.Evaluations);
        Assert.Equal(Samplers.Evaluations(solver, steps, 1.5), denoiser.Evaluations);
        Assert.Equal(Samplers.Evaluations(solver, steps), Samplers.Evaluations(solver, steps, 0));
    }

    [Fact]
    public void LabelDropoutReplacesTheStatedShare()
    {
        using var scope = torch.NewDisposeScope();
        const int n = 50_000;
        var labels = torch.randint(0, 10, new long[] { n }, generator: new Generator(1));
        foreach (double rate in new[] { 0.1, 0.3 })
        {
            var dropped = LabelDropout.Apply(labels, rate, nullLabel: 10, new Generator(7));
            var isNull = dropped.eq(Scalars.Of(10L));
            double share = isNull.sum().item<long>() / (double)n;
            // Binomial standard deviation at n = 50,000 is at most 0.0022: five of them.
            Assert.InRange(share, rate - 0.011, rate + 0.011);
            var kept = isNull.logical_not();
            Assert.True(torch.equal(dropped.masked_select(kept), labels.masked_select(kept)).all().item<bool>());
        }
        Assert.True(torch.equal(LabelDropout.Apply(labels, 0, 10, null), labels).all().item<bool>());
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelDropout.Apply(labels, 1.0, 10, null));
    }

    [Fact]
    public void TrainingWithLabelDropoutTrainsTheNullClass()
    {
        using var scope = torch.NewDisposeScope();
        torch.set_num_threads(1);
        var data = Dsno.Data.Digits.Load();
        var before = new Dictionary<double, Tensor>();
        foreach (double rate in new[] { 0.0, 0.5 })
        {
            using var teacher = new DiffusionTeacher(TinyModels.Digits(classes: 10) with { NullClass = true }, seed: 4);
            var nullRow = NullRow(teacher).clone();
            teacher.Train(data, TinyModels.Budget(3, seed: 2) with { EmaDecay = 0 }, rate);
            bool changed = !torch.equal(nullRow, NullRow(teacher)).all().item<bool>();
            // The null row only moves when some labels were dropped to it.
            Assert.Equal(rate > 0, changed);
        }
        using var noNull = new DiffusionTeacher(TinyModels.Digits(classes: 10), seed: 1);
        Assert.Throws<ArgumentException>(() => noNull.Train(data, TinyModels.Budget(1), 0.1));

        static Tensor NullRow(DiffusionTeacher teacher) =>
            teacher.Network.named_parameters().Single(p => p.name.EndsWith("classEmbedding.weight", StringComparison.Ordinal)).parameter[10].detach();
    }

    [Fact]
    public void BadGuidanceScalesAndModelsGiveClearErrors()
    {
        using var scope = torch.NewDisposeScope();
        using var teacher = GuidableTeacher();
        var noise = torch.randn(new long[] { 2, 1, 8, 8 }, generator: new Generator(4));
        var labels = torch.tensor(new long[] { 1, 0 });
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => teacher.Solve(noise, labels, torch.tensor(new[] { 1f, -0.5f }), "ddim", 3));
        Assert.Contains("finite number >= 0", negative.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => teacher.Solve(noise, labels, torch.tensor(new[] { float.NaN, 1f }), "ddim", 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => teacher.Solve(noise, labels, torch.tensor(new[] { float.PositiveInfinity, 1f }), "ddim", 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => teacher.Solve(noise, torch.tensor(new long[] { 1, 3 }), torch.ones(2), "ddim", 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassifierFreeGuidance.Check(double.NaN));

        using var unconditional = new DiffusionTeacher(TinyModels.Digits(), seed: 1);
        var e = Assert.Throws<ArgumentException>(() => unconditional.Solve(noise, null, torch.ones(2), "ddim", 3));
        Assert.Contains("unconditional", e.Message);
        using var noNull = new DiffusionTeacher(TinyModels.Digits(classes: 3), seed: 1);
        e = Assert.Throws<ArgumentException>(() => noNull.Solve(noise, labels, torch.ones(2), "ddim", 3));
        Assert.Contains("label dropout", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new UNet(TinyModels.Digits() with { NullClass = true }));
    }
}
