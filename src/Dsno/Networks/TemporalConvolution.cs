using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dsno.Networks;

/// <summary>
/// DSNO's temporal convolution (paper section 4, a Fourier layer over the time axis): the M time slices of each sample, folded into
/// the batch as rows b * M + m, are transformed with an rfft over time, the lowest J modes are mixed across channels by a complex
/// weight per mode, higher modes are set to zero, and the inverse rfft back to M points gives y; the layer returns x + LeakyReLU(y).
/// Because the weight acts on the lowest J modes only, the same layer applies to any number of time points M' with J &lt;= M'/2 + 1.
/// </summary>
public sealed class TemporalConvolution : nn.Module<Tensor, int, Tensor>
{
    /// <summary>Negative slope of the LeakyReLU on the spectral branch (PyTorch's default, as in the authors' layer).</summary>
    public const double LeakySlope = 0.01;

    /// <summary>Spectral weight R stored as real [J, C_in, C_out, 2] (real, imaginary); see <see cref="ComplexWeight"/>.</summary>
    private readonly Parameter weight;

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
    /// <paramref name="m"/> = M time points; returns the same shape. The FFT runs in float32 (float64 for float64 input).
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

        using var scope = torch.NewDisposeScope();
        long batch = x.shape[0] / m, height = x.shape[2], width = x.shape[3];
        var dtype = x.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var slices = x.to(dtype).reshape(batch, m, Channels, height, width);
        var spectrum = torch.fft.rfft(slices, dim: 1).narrow(1, 0, Modes);          // [B, J, C, H, W] complex
        var mixing = torch.view_as_complex(weight.to(dtype));                       // [J, C_in, C_out]
        var mixed = torch.einsum("bjihw,jio->bjohw", spectrum, mixing);
        // irfft zero-pads the spectrum to M/2 + 1 bins, which drops every mode above J.
        var y = torch.fft.irfft(mixed, n: m, dim: 1).reshape(x.shape).to(x.dtype);
        return (x + nn.functional.leaky_relu(y, LeakySlope)).MoveToOuterDisposeScope();
    }
}
