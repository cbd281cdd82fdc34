using System.Diagnostics;

namespace Dsno.Runtime;

/// <summary>
/// Keeps training right on every x64 CPU. On some CPUs (seen: AVX-512 VMs whose CPUID reports no cache sizes) libtorch 2.10's
/// oneDNN computes wrong input gradients for convolutions whose output channel count is not a multiple of the vector width, such
/// as every U-Net's output head. Before the first convolution that needs an input gradient, a check of a few milliseconds compares
/// float32 gradients of small convolutions with float64 ones and picks the fastest <see cref="ConvolutionRoute"/> that is right
/// here. Each torch thread count gets its own check; a route only ever moves towards <see cref="ConvolutionRoute.Reference"/>.
/// </summary>
/// <remarks>
/// The environment variable <c>DSNO_CONVOLUTION</c> (<c>auto</c>, <c>onednn</c>, <c>padded</c>, <c>reference</c>) or
/// <see cref="RouteOverride"/> fixes the route instead; <c>onednn</c> there means "no workaround", for diagnosis.
/// </remarks>
public static class CpuNumerics
{
    /// <summary>Output channel counts that are multiples of this are left to oneDNN as they are (16 floats: one AVX-512 register).</summary>
    public const int ChannelAlignment = 16;

    /// <summary>Largest relative gradient error that counts as right (float32 rounding is about 1e-7 to 1e-6 here).</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Name of the environment variable that fixes the route.</summary>
    public const string EnvironmentVariable = "DSNO_CONVOLUTION";

    private static readonly object Gate = new();
    private static readonly Dictionary<int, CpuNumericsCheck> Checks = new();
    private static ConvolutionRoute _route = ConvolutionRoute.OneDnn;
    private static ConvolutionRoute? _override;
    private static bool _environmentRead;
    private static bool? _oneDnnApplied;
    private static string? _escalation;

    /// <summary>
    /// A route chosen by the user, or null (the default, unless <c>DSNO_CONVOLUTION</c> names one) to choose by checking.
    /// Setting <see cref="ConvolutionRoute.Reference"/> switches oneDNN off for the process; any other value switches it back on.
    /// </summary>
    public static ConvolutionRoute? RouteOverride
    {
        get
        {
            lock (Gate)
            {
                ReadEnvironment();
                return _override;
            }
        }
        set
        {
            lock (Gate)
            {
                _environmentRead = true;
                _override = value;
                Apply(value ?? _route);
            }
        }
    }

    /// <summary>
    /// The route to train with at torch's current thread count: the override when set, otherwise the result of
    /// <see cref="Check"/> at this thread count (run now if it has not run yet) and of any earlier escalation.
    /// </summary>
    public static ConvolutionRoute Route
    {
        get
        {
            lock (Gate)
            {
                ReadEnvironment();
                if (_override is { } fixedRoute)
                {
                    Apply(fixedRoute);
                    return fixedRoute;
                }
                CheckLocked();
                return _route;
            }
        }
    }

    /// <summary>Why the route was last raised by a network's gradient self-check, or null.</summary>
    public static string? Escalation
    {
        get { lock (Gate) return _escalation; }
    }

    /// <summary>
    /// Runs the convolution check at torch's current thread count (once per thread count; later calls return the first result) and
    /// moves <see cref="Route"/> to the slowest route any thread count needed. Costs a few milliseconds.
    /// </summary>
    public static CpuNumericsCheck Check()
    {
        lock (Gate)
        {
            ReadEnvironment();
            return CheckLocked();
        }
    }

    /// <summary>The checks run so far, by thread count.</summary>
    public static IReadOnlyList<CpuNumericsCheck> ChecksRun
    {
        get { lock (Gate) return Checks.Values.OrderBy(c => c.Threads).ToList(); }
    }

    /// <summary>The smallest multiple of <see cref="ChannelAlignment"/> that holds <paramref name="channels"/>.</summary>
    public static long AlignedChannels(long channels) => (channels + ChannelAlignment - 1) / ChannelAlignment * ChannelAlignment;

    /// <summary>
    /// Moves the route to <see cref="ConvolutionRoute.Reference"/> after a network's own gradient check failed on a faster route.
    /// Returns false (and changes nothing) when the route is already the reference one or was fixed by the user.
    /// </summary>
    internal static bool EscalateToReference(string reason)
    {
        lock (Gate)
        {
            ReadEnvironment();
            if (_override is not null || _route == ConvolutionRoute.Reference) return false;
            _route = ConvolutionRoute.Reference;
            _escalation = reason;
            Apply(_route);
            return true;
        }
    }

    /// <summary>Forgets every check, escalation and override and switches oneDNN back on (for tests).</summary>
    internal static void Reset()
    {
        lock (Gate)
        {
            Checks.Clear();
            _route = ConvolutionRoute.OneDnn;
            _override = null;
            _environmentRead = false;
            _escalation = null;
            _oneDnnApplied = null;
            Apply(ConvolutionRoute.OneDnn);
        }
    }

    private static CpuNumericsCheck CheckLocked()
    {
        int threads = torch.get_num_threads();
        if (Checks.TryGetValue(threads, out var done)) return done;

        var clock = Stopwatch.StartNew();
        var probes = new List<ConvolutionProbe>();
        ConvolutionRoute chosen;
        bool oneDnnWas = LibTorchContext.OneDnnEnabled;
        try
        {
            LibTorchContext.OneDnnEnabled = true;
            var unalignedProbes = UnalignedProbes(threads);
            var aligned = new[]
            {
                Probe("3x3, 16 -> 16 channels", 16, 16, 3, 1, ConvolutionRoute.OneDnn),
                Probe("3x3 stride 2, 16 -> 16 channels", 16, 16, 3, 2, ConvolutionRoute.OneDnn),
                Probe("1x1, 16 -> 48 channels", 16, 48, 1, 1, ConvolutionRoute.OneDnn),
            };
            probes.AddRange(unalignedProbes);
            probes.AddRange(aligned);
            if (unalignedProbes.All(p => p.IsRight) && aligned.All(p => p.IsRight)) chosen = ConvolutionRoute.OneDnn;
            else
            {
                chosen = ConvolutionRoute.Reference;
                if (aligned.All(p => p.IsRight))
                {
                    var padded = Probe("3x3, 16 -> 3 channels", 16, 3, 3, 1, ConvolutionRoute.ChannelPadded, UnalignedBatch);
                    probes.Add(padded);
                    if (padded.IsRight) chosen = ConvolutionRoute.ChannelPadded;
                }
                if (chosen == ConvolutionRoute.Reference)
                {
                    LibTorchContext.OneDnnEnabled = false;
                    probes.Add(Probe("3x3, 16 -> 3 channels", 16, 3, 3, 1, ConvolutionRoute.Reference, UnalignedBatch));
                    probes.Add(Probe("3x3, 16 -> 16 channels", 16, 16, 3, 1, ConvolutionRoute.Reference));
                }
            }
        }
        finally
        {
            LibTorchContext.OneDnnEnabled = oneDnnWas;
            _oneDnnApplied = oneDnnWas;
        }

        var check = new CpuNumericsCheck(threads, probes, chosen, clock.Elapsed);
        Checks[threads] = check;
        if (chosen > _route) _route = chosen;
        Apply(_override ?? _route);
        return check;
    }

    // Batch of the second unaligned probe: at 2 threads with batch 2 each thread convolves one image.
    private const int UnalignedBatch = 8;

    /// <summary>
    /// The 3x3 convolution to 3 channels on oneDNN, at batch 2 and <see cref="UnalignedBatch"/>, and at batch 2 on 1 thread too. On the
    /// faulty CPUs its input gradient is wrong on every run at 1 thread, but at 2 threads only on some runs: a probe at 2 threads alone
    /// passed by luck while every network was wrong, so a fault seen at any thread count counts for all.
    /// </summary>
    private static List<ConvolutionProbe> UnalignedProbes(int threads)
    {
        var probes = new List<ConvolutionProbe>
        {
            Probe("3x3, 16 -> 3 channels", 16, 3, 3, 1, ConvolutionRoute.OneDnn),
            Probe($"3x3, 16 -> 3 channels, batch {UnalignedBatch}", 16, 3, 3, 1, ConvolutionRoute.OneDnn, UnalignedBatch),
        };
        if (threads > 1)
        {
            torch.set_num_threads(1);
            try { probes.Add(Probe("3x3, 16 -> 3 channels, on 1 thread", 16, 3, 3, 1, ConvolutionRoute.OneDnn)); }
            finally { torch.set_num_threads(threads); }
        }
        return probes;
    }

    /// <summary>Float32 against float64 gradients of one convolution on a batch of 8x8 inputs (default 2), with fixed random inputs.</summary>
    private static ConvolutionProbe Probe(string name, int inChannels, int outChannels, int kernel, int stride, ConvolutionRoute route, int batch = 2)
    {
        using var scope = torch.NewDisposeScope();
        using var enabled = torch.enable_grad();
        using var generator = new Generator(20261202);
        var x = torch.randn(new long[] { batch, inChannels, 8, 8 }, ScalarType.Float64, generator: generator);
        var w = torch.randn(new long[] { outChannels, inChannels, kernel, kernel }, ScalarType.Float64, generator: generator).Times(0.2);
        var b = torch.randn(new long[] { outChannels }, ScalarType.Float64, generator: generator);
        var (x32, w32) = Gradients(x, w, b, ScalarType.Float32, kernel, stride, route);
        var (x64, w64) = Gradients(x, w, b, ScalarType.Float64, kernel, stride, route);
        return new ConvolutionProbe(name, route, RelativeError(x32, x64), RelativeError(w32, w64));
    }

    private static (Tensor Input, Tensor Weight) Gradients(Tensor x, Tensor w, Tensor b, ScalarType type, int kernel, int stride, ConvolutionRoute route)
    {
        var input = x.to(type).requires_grad_(true);
        var weight = w.to(type).requires_grad_(true);
        var strides = new long[] { stride, stride };
        var padding = new long[] { kernel / 2, kernel / 2 };
        var dilation = new long[] { 1, 1 };
        var y = route == ConvolutionRoute.ChannelPadded
            ? ChannelPaddedConvolution.Apply(input, weight, b.to(type), strides, padding, dilation)
            : nn.functional.conv2d(input, weight, b.to(type), strides, padding, dilation);
        // A fixed, uneven weighting of the outputs, so that errors cannot cancel in the sum.
        var mix = torch.linspace(-1, 1, y.numel(), dtype: type).reshape(y.shape);
        (y * mix).sum().backward();
        return (input.grad!.to(ScalarType.Float64), weight.grad!.to(ScalarType.Float64));
    }

    /// <summary>max |a - b| / max |b|; NaN when <paramref name="a"/> holds a NaN.</summary>
    internal static double RelativeError(Tensor a, Tensor b)
    {
        // Temporaries in a scope, not left to the finalizer during native calls.
        using var scope = torch.NewDisposeScope();
        double scale = b.abs().max().item<double>();
        double error = (a - b).abs().max().item<double>();
        if (double.IsNaN(error) || a.isnan().any().item<bool>()) return double.NaN;
        return scale > 0 ? error / scale : error;
    }

    private static void Apply(ConvolutionRoute route)
    {
        bool enabled = route != ConvolutionRoute.Reference;
        if (_oneDnnApplied == enabled) return;
        LibTorchContext.OneDnnEnabled = enabled;
        _oneDnnApplied = enabled;
    }

    private static void ReadEnvironment()
    {
        if (_environmentRead) return;
        var value = Environment.GetEnvironmentVariable(EnvironmentVariable)?.Trim().ToLowerInvariant();
        _override = value switch
        {
            null or "" or "auto" => null,
            "onednn" => ConvolutionRoute.OneDnn,
            "padded" => ConvolutionRoute.ChannelPadded,
            "reference" => ConvolutionRoute.Reference,
            _ => throw new InvalidOperationException(
                $"{EnvironmentVariable}={value} is not one of auto, onednn, padded, reference."),
        };
        _environmentRead = true;
    }
}
