using TorchSharp.Modules;

namespace Dsno.Networks;

/// <summary>
/// DSNO's temporal convolution (paper section 4, a Fourier layer over the time axis): the M time slices of each sample, folded into
/// the batch as rows b * M + m, are transformed with an rfft over time, the lowest J modes are mixed across channels by a complex
/// weight per mode, higher modes are set to zero, and the inverse rfft back to M points gives y; the layer returns x + LeakyReLU(y).
/// Because the weight acts on the lowest J modes only, the same layer applies to any number of time points M' with J &lt;= M'/2 + 1.
/// <para>
/// The spectral branch is a real linear map of the M slices, so it can be computed either with FFTs or with small real matrices
/// (<see cref="TemporalMixingPath"/>); <see cref="Path"/> picks one, by default the cheaper for the given M. Outside autograd the
/// time-domain path keeps its mixing matrices from one call to the next and rebuilds them whenever the weight's values change.
/// </para>
/// </summary>
public sealed partial class TemporalConvolution : nn.Module<Tensor, int, Tensor>
{
    /// <summary>Negative slope of the LeakyReLU on the spectral branch (PyTorch's default, as in the authors' layer).</summary>
    public const double LeakySlope = 0.01;

    /// <summary>
    /// Largest M for which <see cref="TemporalMixingPath.Auto"/> takes the time-domain path. Measured on a 2-core CPU at batch 16
    /// with 1 and 2 threads: the time-domain path was faster at every M from 2 to 128 tried (J = M/2 and M/2 + 1, 4 to 64 channels,
    /// 4x4 to 16x16 pixels), by 2-9x at M = 4 and still 1.2-2x at M = 128; its real DFT costs O(M J) per channel and pixel against
    /// the FFT's O(M log M), so beyond this the FFT is kept.
    /// </summary>
    public const int TimeDomainMaxPoints = 128;

    /// <summary>Spectral weight R stored as real [J, C_in, C_out, 2] (real, imaginary); see <see cref="ComplexWeight"/>.</summary>
    private readonly Parameter weight;

    // The time-domain caches, guarded by a lock on bases (one module may serve several inference threads). Neither field is a
    // Tensor, which RegisterComponents would take for a buffer.
    private readonly Dictionary<(int M, ScalarType DType, DeviceType Device, int Index), TimeBasis> bases = new();
    private MixingBlocks? cachedMixing;

    /// <summary>Creates the layer with the authors' near-identity initialisation (real and imaginary parts uniform in [0, 1/C^2)).</summary>
    /// <param name="channels">Channels C of the activations.</param>
    /// <param name="modes">Temporal Fourier modes J kept (lowest first, DC included).</param>
    /// <param name="name">Module name.</param>
    /// <param name="device">Device for the weight; null = CPU.</param>
    public TemporalConvolution(int channels, int modes, string name = "temporal", Device? device = null) : base(name)
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "the layer needs at least 1 channel");
        if (modes < 1) throw new ArgumentOutOfRangeException(nameof(modes), modes, "the layer needs at least 1 Fourier mode (J >= 1)");
        Channels = channels;
        Modes = modes;
        // The weight stays real so that Adam keeps separate moments for the real and imaginary parts (as PyTorch does).
        weight = new Parameter(torch.empty(modes, channels, channels, 2, device: device).uniform_(0.0, 1.0 / ((double)channels * channels)));
        RegisterComponents();
    }

    /// <summary>Channels C.</summary>
    public int Channels { get; }

    /// <summary>Fourier modes J kept.</summary>
    public int Modes { get; }

    /// <summary>The stored weight, real [J, C_in, C_out, 2].</summary>
    public Parameter Weight => weight;

    /// <summary>The weight as complex [J, C_in, C_out] (a view sharing storage with <see cref="Weight"/>).</summary>
    public Tensor ComplexWeight => torch.view_as_complex(weight);

    /// <summary>Number of scalar parameters: J * C * C * 2.</summary>
    public long ParameterCount => weight.numel();

    /// <summary>How the spectral branch is computed; <see cref="TemporalMixingPath.Auto"/> (the default) picks by M.</summary>
    public TemporalMixingPath Path { get; set; } = TemporalMixingPath.Auto;

    /// <summary>Whether a call with <paramref name="m"/> time points takes the time-domain path under the current <see cref="Path"/>.</summary>
    public bool UsesTimeDomain(int m) => Path switch
    {
        TemporalMixingPath.Spectral => false,
        TemporalMixingPath.TimeDomain => true,
        TemporalMixingPath.Auto => m <= TimeDomainMaxPoints,
        _ => throw new InvalidOperationException($"unknown temporal mixing path {Path}"),
    };

    /// <summary>
    /// The default J for M time points: the most modes that leave out the Nyquist bin, M/2 for even M and (M+1)/2 for odd M
    /// (J = 2 for M = 4, as in the authors' configuration).
    /// </summary>
    public static int DefaultModes(int m)
    {
        if (m < 2) throw new ArgumentOutOfRangeException(nameof(m), m, "a temporal convolution needs M >= 2 time points");
        return m % 2 == 0 ? m / 2 : (m + 1) / 2;
    }

    /// <summary>The largest J an rfft of M points can provide: M/2 + 1.</summary>
    public static int MaxModes(int m) => m / 2 + 1;

    /// <summary>
    /// Applies the layer to <paramref name="x"/> [B * M, C, H, W] (row b * M + m is time slice m of sample b) with
    /// <paramref name="m"/> = M time points; returns the same shape. Computed in float32 (float64 for float64 input).
    /// </summary>
    public override Tensor forward(Tensor x, int m)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (m < 2) throw new ArgumentOutOfRangeException(nameof(m), m, "a temporal convolution needs M >= 2 time points");
        if (Modes > MaxModes(m))
            throw new ArgumentOutOfRangeException(nameof(m), m,
                $"J = {Modes} Fourier modes need J <= M/2 + 1, but M = {m} gives only {MaxModes(m)}");
        if (x.ndim != 4 || x.shape[1] != Channels)
            throw new ArgumentException($"input must have shape [B*M, {Channels}, H, W], got [{string.Join(", ", x.shape)}]", nameof(x));
        if (x.shape[0] % m != 0)
            throw new ArgumentException($"the batch dimension {x.shape[0]} is not a multiple of M = {m}", nameof(x));
        return UsesTimeDomain(m) ? ForwardTimeDomain(x, m) : ForwardSpectral(x, m);
    }

    /// <summary>The reference path: rfft over time, complex mixing of the lowest J modes, inverse rfft.</summary>
    private Tensor ForwardSpectral(Tensor x, int m)
    {
        using var scope = torch.NewDisposeScope();
        long batch = x.shape[0] / m, height = x.shape[2], width = x.shape[3];
        var dtype = ComputeType(x);
        var y = SpectralBranch(x.to(dtype).reshape(batch, m, Channels, height, width), m).reshape(x.shape).to(x.dtype);
        return x.Plus(y.leaky_relu(Scalars.Of(LeakySlope))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The branch y before the activation, for <paramref name="slices"/> [B, M, C, H, W] in float32 or float64 (the weight follows
    /// that type): rfft over M, the lowest J modes mixed by R, inverse rfft back to M points.
    /// </summary>
    private Tensor SpectralBranch(Tensor slices, int m)
    {
        var spectrum = torch.fft.rfft(slices, dim: 1).narrow(1, 0, Modes);          // [B, J, C, H, W] complex
        var mixing = torch.view_as_complex(weight.to(slices.dtype));                // [J, C_in, C_out]
        var mixed = torch.einsum("bjihw,jio->bjohw", spectrum, mixing);
        // irfft zero-pads the spectrum to M/2 + 1 bins, which drops every mode above J.
        return torch.fft.irfft(mixed, n: m, dim: 1);
    }

    /// <summary>
    /// The same map in real arithmetic on the [B, M, C*H*W] view of x. With X_j = sum_t x_t e^{-2 pi i j t / M} and
    /// Y_j = R_j^T X_j, irfft gives y_t = (1/M) (Re Y_0 + sum_{0 &lt; j &lt; M/2} 2 Re(Y_j e^{2 pi i j t / M}) + Re Y_{M/2} (-1)^t):
    /// DC and Nyquist carry one real coordinate (their imaginary parts never reach y), every other mode two, mixed by
    /// [[Re R^T, -Im R^T], [Im R^T, Re R^T]].
    /// </summary>
    private Tensor ForwardTimeDomain(Tensor x, int m)
    {
        using var scope = torch.NewDisposeScope();
        long batch = x.shape[0] / m, plane = x.shape[2] * x.shape[3], features = Channels * plane;
        var dtype = ComputeType(x);
        var series = x.to(dtype).reshape(batch, m, features);                       // a view for contiguous input
        var basis = TimeBasisFor(m, dtype, x.device);
        // Under autograd the mixing blocks are rebuilt from the weight each call so that gradients reach it.
        bool tracking = torch.is_grad_enabled() && (weight.requires_grad || x.requires_grad);
        var mixing = tracking && weight.requires_grad ? BuildMixing(dtype) : CachedMixing(dtype);

        var coordinates = torch.matmul(basis.Analysis, series);                     // [B, P, C*H*W]
        var dc = torch.matmul(mixing.Dc, coordinates.narrow(1, 0, 1).view(batch, Channels, plane)).view(batch, 1, features);
        Tensor result;
        if (Modes == 1)
        {
            // Only DC: the branch is the same for every time slice.
            result = series.Plus(dc.leaky_relu(Scalars.Of(LeakySlope)));
        }
        else
        {
            var blocks = new Tensor[Modes - 1];
            for (int j = 1; j < Modes; j++)
            {
                var (row, width) = basis.Blocks[j - 1];
                var block = mixing.Modes![j - 1];                                   // [2 C_out, 2 C_in]
                if (width == 1) block = block.narrow(0, 0, Channels).narrow(1, 0, Channels); // Nyquist: Re R^T only
                blocks[j - 1] = torch.matmul(block, coordinates.narrow(1, row, width).view(batch, width * Channels, plane));
            }
            var mixed = blocks.Length == 1 ? blocks[0] : torch.cat(blocks, dim: 1);
            var y = torch.matmul(basis.Synthesis, mixed.view(batch, basis.Rows - 1, features)).PlusInPlace(dc);
            var activated = y.leaky_relu_(Scalars.Of(LeakySlope));
            // leaky_relu_ keeps its output for the backward pass, so under autograd the residual sum must not overwrite it.
            result = tracking ? series.Plus(activated) : activated.PlusInPlace(series);
        }
        return result.view(x.shape).to(x.dtype).MoveToOuterDisposeScope();
    }

    private static ScalarType ComputeType(Tensor x) => x.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;

    /// <summary>The channel-mixing blocks in <paramref name="dtype"/>, built from the weight with differentiable tensor ops.</summary>
    private MixingBlocks BuildMixing(ScalarType dtype)
    {
        var w = weight.to(dtype);
        var re = w.select(3, 0).transpose(1, 2);                                    // [J, C_out, C_in]
        var im = w.select(3, 1).transpose(1, 2);
        var dc = re.select(0, 0).contiguous();
        Tensor? modes = null;
        if (Modes > 1)
        {
            var r = re.narrow(0, 1, Modes - 1);
            var i = im.narrow(0, 1, Modes - 1);
            modes = torch.cat(new[] { torch.cat(new[] { r, -i }, dim: 2), torch.cat(new[] { i, r }, dim: 2) }, dim: 1); // [J-1, 2C, 2C]
        }
        return new MixingBlocks(dc, modes, dtype, null);
    }

    /// <summary>The cached mixing blocks, rebuilt when the weight's values, dtype or device differ from those they were built from.</summary>
    private MixingBlocks CachedMixing(ScalarType dtype)
    {
        lock (bases)
        {
            using var noGrad = torch.no_grad();
            var current = cachedMixing;
            if (current is not null && current.DType == dtype && SameValues(current.Source!, weight)) return current;
            using var scope = torch.NewDisposeScope();
            var built = BuildMixing(dtype);
            var fresh = new MixingBlocks(built.Dc.DetachFromDisposeScope(), built.Modes?.DetachFromDisposeScope(), dtype,
                weight.detach().clone().DetachFromDisposeScope());
            current?.Dispose();
            cachedMixing = fresh;
            return fresh;
        }
    }

    private static bool SameValues(Tensor a, Tensor b)
    {
        if (a.dtype != b.dtype || a.device_type != b.device_type || a.device_index != b.device_index || !a.shape.SequenceEqual(b.shape))
            return false;
        using var equal = a.eq(b);
        using var all = equal.all();
        return all.item<bool>();
    }

    /// <summary>The weight-free transforms for <paramref name="m"/> points, cached per (M, dtype, device).</summary>
    private TimeBasis TimeBasisFor(int m, ScalarType dtype, Device device)
    {
        lock (bases)
        {
            var key = (m, dtype, device.type, device.index);
            if (bases.TryGetValue(key, out var basis)) return basis;
            basis = TimeBasis.Create(m, Modes, dtype, device);
            bases[key] = basis;
            return basis;
        }
    }

    /// <summary>Releases the cached time-domain tensors with the module.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (bases)
            {
                cachedMixing?.Dispose();
                cachedMixing = null;
                foreach (var basis in bases.Values) basis.Dispose();
                bases.Clear();
            }
        }
        base.Dispose(disposing);
    }

    /// <summary>Channel mixing: DC [C_out, C_in] = Re R_0^T, and per mode j &gt;= 1 the real form of R_j^T, [J-1, 2 C_out, 2 C_in].</summary>
    private sealed record MixingBlocks(Tensor Dc, Tensor? Modes, ScalarType DType, Tensor? Source) : IDisposable
    {
        public void Dispose()
        {
            Dc.Dispose();
            Modes?.Dispose();
            Source?.Dispose();
        }
    }

    /// <summary>
    /// The real DFT restricted to the kept modes and its inverse for M points. Analysis [P, M]: row 0 is DC (scaled 1/M, the irfft
    /// normalisation), then per mode j &gt;= 1 rows cos and -sin of 2 pi j t / M (one row, (-1)^t, for the Nyquist bin). Synthesis
    /// [M, P-1] maps the mixed non-DC coordinates back: (2/M) cos and -(2/M) sin per mode, (1/M) (-1)^t for Nyquist.
    /// </summary>
    private sealed class TimeBasis(Tensor analysis, Tensor synthesis, (int Row, int Width)[] blocks, int rows) : IDisposable
    {
        public Tensor Analysis { get; } = analysis;

        public Tensor Synthesis { get; } = synthesis;

        /// <summary>First analysis row and row count of each mode j = 1..J-1.</summary>
        public (int Row, int Width)[] Blocks { get; } = blocks;

        /// <summary>P, the number of analysis rows.</summary>
        public int Rows { get; } = rows;

        public static TimeBasis Create(int m, int modes, ScalarType dtype, Device device)
        {
            var blocks = new (int Row, int Width)[modes - 1];
            int rows = 1;
            for (int j = 1; j < modes; j++)
            {
                int width = 2 * j == m ? 1 : 2;
                blocks[j - 1] = (rows, width);
                rows += width;
            }
            var analysis = new double[rows * m];
            var synthesis = new double[m * Math.Max(rows - 1, 1)];
            for (int t = 0; t < m; t++)
            {
                analysis[t] = 1.0 / m;
                for (int j = 1; j < modes; j++)
                {
                    var (row, width) = blocks[j - 1];
                    if (width == 1)
                    {
                        double sign = t % 2 == 0 ? 1.0 : -1.0;
                        analysis[row * m + t] = sign;
                        synthesis[t * (rows - 1) + row - 1] = sign / m;
                    }
                    else
                    {
                        double angle = 2 * Math.PI * j * t / m;
                        analysis[row * m + t] = Math.Cos(angle);
                        analysis[(row + 1) * m + t] = -Math.Sin(angle);
                        synthesis[t * (rows - 1) + row - 1] = 2.0 / m * Math.Cos(angle);
                        synthesis[t * (rows - 1) + row] = -2.0 / m * Math.Sin(angle);
                    }
                }
            }
            using var scope = torch.NewDisposeScope();
            var a = torch.tensor(analysis, new long[] { rows, m }).to(dtype, device).DetachFromDisposeScope();
            var s = torch.tensor(synthesis, new long[] { m, Math.Max(rows - 1, 1) }).to(dtype, device).DetachFromDisposeScope();
            return new TimeBasis(a, s, blocks, rows);
        }

        public void Dispose()
        {
            Analysis.Dispose();
            Synthesis.Dispose();
        }
    }
}
