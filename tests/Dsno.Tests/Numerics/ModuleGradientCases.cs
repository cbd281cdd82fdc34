using Dsno.Runtime;
using Dsno.Diffusion;
using Dsno.Metrics;
using Dsno.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Tests.Numerics;

/// <summary>
/// Float32 against float64 gradients for every module the project trains, at the shapes its defaults and benchmarks train with.
/// Shared by the in-process tests and by Dsno.ModelHost, which runs the same cases in a process whose libtorch is altered to
/// compute wrong convolution gradients (see FaultyOneDnnEmulation in the tests).
/// </summary>
public static class ModuleGradientCases
{
    /// <summary>The largest relative error the tests accept (issue: float32 against float64 within 1e-4).</summary>
    public const double Tolerance = 1e-4;

    /// <summary>
    /// The largest norm-relative error accepted for DSNO's temporal-layer weights, whose gradients pass through LeakyReLU at
    /// inputs within rounding of zero: float32 and float64 may take different sides of the kink (measured: up to 1.3%, on every
    /// convolution route, depending on the weight draw). See IGradientCheckable.IsKinkSensitive.
    /// </summary>
    public const double KinkTolerance = 0.1;

    /// <summary>One module at one shape: how to build it (float32, CPU) and a scalar objective of its output.</summary>
    /// <param name="Name">Stable name (used on command lines).</param>
    /// <param name="Build">A new float32 module with seeded, slightly perturbed weights.</param>
    /// <param name="Objective">
    /// A scalar of the module's output for inputs drawn from the generator in float64 and cast to the module's dtype; the input
    /// tensor that should carry a gradient is returned too (or null), so that its gradient is compared as well.
    /// </param>
    public sealed record Case(string Name, Func<nn.Module> Build, Func<nn.Module, Generator, (Tensor Value, Tensor? Input)> Objective)
    {
        /// <summary>Whether a gradient passes through an activation kink at near-zero inputs (DSNO's temporal weights).</summary>
        public bool IsKinkSensitive(string tensor) => Name.StartsWith("dsno-", StringComparison.Ordinal) && tensor.StartsWith("temporal.", StringComparison.Ordinal);

        /// <inheritdoc/>
        public override string ToString() => Name;
    }

    private static UNetOptions Digits => new()
    {
        Channels = 1, Height = 8, Width = 8, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 2,
        AttentionResolutions = new[] { 4 }, Dropout = 0.1,
    };

    private static UNetOptions Fashion16 => new()
    {
        Channels = 1, Height = 16, Width = 16, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2, 2 }, ResBlocksPerLevel = 2,
        AttentionResolutions = new[] { 8 }, Dropout = 0.1,
    };

    /// <summary>The ML.NET estimators' default architecture on the 8x8 digits (DiffusionTeacherOptions / DsnoOptions defaults).</summary>
    private static UNetOptions MlNetDefault => new()
    {
        Channels = 1, Height = 8, Width = 8, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2, 2 }, ResBlocksPerLevel = 2, Dropout = 0.1,
    };

    /// <summary>The QuickStart's default teacher (one block per level) and, conditional, the ClassConditional example's.</summary>
    private static UNetOptions QuickStart => new()
    {
        Channels = 1, Height = 8, Width = 8, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 1,
    };

    /// <summary>
    /// Every case, in a fixed order. Architectures and image sizes are those of the defaults and benchmarks; batches of the
    /// larger networks are small because the float64 reference runs on libtorch's slow kernels (the fault needs only batch 2).
    /// </summary>
    public static IReadOnlyList<Case> All { get; } = new[]
    {
        new Case("resblock-32-64-16x16-b64", () => Perturbed(() => new ResBlock(32, 64, 128, 0, 8)), (m, g) =>
        {
            var x = Input(new long[] { 64, 32, 16, 16 }, m, g);
            var embedding = Draw(new long[] { 64, 128 }, m, g);
            return (Mixed(((ResBlock)m).forward(x, embedding), g), x);
        }),
        new Case("attention-64-8x8-b64", () => Perturbed(() => new AttentionBlock(64, 8)), (m, g) =>
        {
            var x = Input(new long[] { 64, 64, 8, 8 }, m, g);
            return (Mixed(((AttentionBlock)m).forward(x), g), x);
        }),
        new Case("temporal-64-m4-8x8-b16", () => Perturbed(() => new TemporalConvolution(64, TemporalConvolution.DefaultModes(4))), (m, g) =>
        {
            var x = Input(new long[] { 16 * 4, 64, 8, 8 }, m, g);
            return (Mixed(((TemporalConvolution)m).forward(x, 4), g), x);
        }),
        new Case("temporal-32-m8-16x16-b4", () => Perturbed(() => new TemporalConvolution(32, TemporalConvolution.DefaultModes(8))), (m, g) =>
        {
            var x = Input(new long[] { 4 * 8, 32, 16, 16 }, m, g);
            return (Mixed(((TemporalConvolution)m).forward(x, 8), g), x);
        }),
        UNetCase("unet-mlnet-default-8x8-b8", MlNetDefault, 8),
        UNetCase("unet-quickstart-8x8-b8", QuickStart, 8),
        UNetCase("unet-classconditional-8x8-b8", QuickStart with { NumClasses = 10 }, 8),
        UNetCase("unet-digits-bench-8x8-b8", Digits, 8),
        UNetCase("unet-fashion16-bench-16x16-b4", Fashion16, 4),
        UNetCase("onestep-fashion16-16x16-b4", Fashion16, 4, oneStep: true),
        DsnoCase("dsno-quickstart-m4-b4", QuickStart, 4, 4),
        DsnoCase("dsno-digits-bench-m4-b4", Digits, 4, 4),
        DsnoCase("dsno-fashion16-bench-m4-b2", Fashion16, 4, 2),
        DsnoCase("dsno-fashion16-bench-m8-b2", Fashion16, 8, 2),
        new Case("classifier-fashion16-b128", () => Perturbed(NewClassifier), (m, g) =>
        {
            var x = Draw(new long[] { 128, 1, 16, 16 }, m, g);
            return (Mixed(((FeatureClassifierNetwork)m).forward(x), g), null);
        }),
    };

    /// <summary>The case called <paramref name="name"/>.</summary>
    public static Case Get(string name) =>
        All.FirstOrDefault(c => c.Name == name) ?? throw new ArgumentException($"no gradient case '{name}'", nameof(name));

    /// <summary>A float64 copy of <paramref name="module"/> with the same weights.</summary>
    public static nn.Module Float64Copy(Case c, nn.Module module)
    {
        var copy = c.Build();
        copy.to(ScalarType.Float64);
        using var noGrad = torch.no_grad();
        var source = module.state_dict();
        foreach (var (name, target) in copy.state_dict()) target.copy_(source[name]);
        return copy;
    }

    /// <summary>Every parameter's gradient (and the input's, as "input"), in float64, with the module in evaluation mode.</summary>
    public static Dictionary<string, Tensor> Gradients(Case c, nn.Module module)
    {
        module.eval();
        foreach (var p in module.parameters()) p.grad = null;
        using var enabled = torch.enable_grad();
        using var generator = new Generator(1234);
        var (value, input) = c.Objective(module, generator);
        value.backward();
        var gradients = module.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.to(ScalarType.Float64).detach().clone());
        if (input is not null) gradients["input"] = input.grad!.to(ScalarType.Float64).detach().clone();
        foreach (var p in module.parameters()) p.grad = null;
        return gradients;
    }

    /// <summary>
    /// The worst per-tensor error, as a multiple of its limit (so 1 is the limit for every tensor): max |g - r| / max |r| against
    /// <see cref="Tolerance"/>, or for a kink-sensitive tensor ||g - r|| / ||r|| against <see cref="KinkTolerance"/>. Also returns
    /// the tensor's own error. NaN if any gradient is NaN.
    /// </summary>
    public static (double Score, double Error, string Where) Compare(Case c, Dictionary<string, Tensor> gradients, Dictionary<string, Tensor> reference)
    {
        double worst = -1, worstError = 0;
        string where = "";
        foreach (var (name, expected) in reference)
        {
            var got = gradients[name];
            if (got.isnan().any().item<bool>()) return (double.NaN, double.NaN, name);
            bool kink = c.IsKinkSensitive(name);
            double error = kink
                ? (got - expected).norm().item<double>() / expected.norm().item<double>()
                : (got - expected).abs().max().item<double>() / expected.abs().max().item<double>();
            double score = error / (kink ? KinkTolerance : Tolerance);
            if (double.IsNaN(score)) return (double.NaN, double.NaN, name);
            if (score > worst) (worst, worstError, where) = (score, error, name);
        }
        return (worst, worstError, where);
    }

    private static Case UNetCase(string name, UNetOptions options, int batch, bool oneStep = false) => new(name, () => Perturbed(() => new UNet(options)), (m, g) =>
    {
        var x = Draw(new long[] { batch, options.Channels, options.Height, options.Width }, m, g);
        // The one-step student is the U-Net evaluated at t = 0 only; the teacher sees t in [0, 1].
        var t = oneStep ? torch.zeros(batch, Type(m)) : torch.rand(new long[] { batch }, ScalarType.Float64, generator: g).to(Type(m));
        var labels = options.NumClasses > 0 ? torch.randint(0, options.NumClasses, new long[] { batch }, generator: g) : null;
        return (Mixed(((UNet)m).forward(x, t, labels), g), null);
    });

    private static Case DsnoCase(string name, UNetOptions options, int m, int batch) =>
        new(name, () => Perturbed(() => new DsnoNetwork(options, FrameTimes.Quadratic(m))), (module, g) =>
        {
            var noise = Draw(new long[] { batch, options.Channels, options.Height, options.Width }, module, g);
            var labels = options.NumClasses > 0 ? torch.randint(0, options.NumClasses, new long[] { batch }, generator: g) : null;
            return (Mixed(((DsnoNetwork)module).forward(noise, labels), g), null);
        });

    /// <summary>
    /// The module as constructed (seeded), every parameter moved by 2% of its own scale (seeded): no parameter starts degenerate (GroupNorm's
    /// weight of exactly 1, zero biases), so every gradient is a generic one.
    /// </summary>
    private static nn.Module Perturbed(Func<nn.Module> construct)
    {
        // Construction draws from torch's global generator: seeded, so that every build of a case has the same weights.
        torch.manual_seed(11);
        var module = construct();
        using var noGrad = torch.no_grad();
        using var generator = new Generator(99);
        foreach (var p in module.parameters())
        {
            double scale = Math.Max(p.abs().max().item<float>(), 0.05);
            p.PlusInPlace(torch.randn(p.shape, generator: generator).Times(0.02 * scale));
        }
        return module;
    }

    /// <summary>The bench's feature classifier (ClassifierOptions defaults) with its seeded initialisation.</summary>
    private static FeatureClassifierNetwork NewClassifier()
    {
        var network = new FeatureClassifierNetwork(1, 10, 32, 64, 8);
        using var generator = new Generator(5);
        network.Initialise(generator);
        return network;
    }

    private static ScalarType Type(nn.Module module) => module.parameters().First().dtype;

    private static Tensor Draw(long[] shape, nn.Module module, Generator g) =>
        torch.randn(shape, ScalarType.Float64, generator: g).to(Type(module));

    private static Tensor Input(long[] shape, nn.Module module, Generator g) => Draw(shape, module, g).requires_grad_(true);

    private static Tensor Mixed(Tensor output, Generator g) =>
        (output * torch.randn(output.shape, ScalarType.Float64, generator: g).to(output.dtype)).sum();
}
