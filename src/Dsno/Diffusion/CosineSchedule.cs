namespace Dsno.Diffusion;

/// <summary>
/// The truncated cosine log-SNR schedule (Nichol and Dhariwal 2021 in the log-SNR form of Salimans and Ho 2022, progressive
/// distillation), used by the DSNO teachers: lambda(t) = -2 log tan(a t + b), with b = atan(exp(-lambda_max / 2)) and
/// a = atan(exp(-lambda_min / 2)) - b, so lambda(0) = lambda_max and lambda(1) = lambda_min. Here alpha = cos(a t + b) and
/// sigma = sin(a t + b).
/// </summary>
public sealed class CosineSchedule : NoiseSchedule
{
    private readonly double _a;
    private readonly double _b;

    /// <summary>Creates the schedule truncated to log-SNR in [<paramref name="logSnrMin"/>, <paramref name="logSnrMax"/>].</summary>
    /// <param name="logSnrMin">lambda(1), the log-SNR of the noisiest time.</param>
    /// <param name="logSnrMax">lambda(0), the log-SNR of the data end.</param>
    public CosineSchedule(double logSnrMin = -20, double logSnrMax = 20)
    {
        if (!double.IsFinite(logSnrMin) || !double.IsFinite(logSnrMax) || !(logSnrMin < logSnrMax))
            throw new ArgumentOutOfRangeException(nameof(logSnrMin), $"need finite logSnrMin < logSnrMax, got {logSnrMin} and {logSnrMax}");
        LogSnrMin = logSnrMin;
        LogSnrMax = logSnrMax;
        _b = Math.Atan(Math.Exp(-logSnrMax / 2));
        _a = Math.Atan(Math.Exp(-logSnrMin / 2)) - _b;
    }

    /// <inheritdoc />
    public override string Name => "cosine";

    /// <summary>lambda(1), the smallest log-SNR.</summary>
    public double LogSnrMin { get; }

    /// <summary>lambda(0), the largest log-SNR.</summary>
    public double LogSnrMax { get; }

    /// <inheritdoc />
    public override double LogSnr(double t) => -2 * Math.Log(Math.Tan(_a * t + _b));

    /// <inheritdoc />
    /// <remarks>d/dt [-2 log tan u] = -2 a / (sin u cos u) = -4 a / sin(2u), with u = a t + b.</remarks>
    public override double LogSnrDerivative(double t) => -4 * _a / Math.Sin(2 * (_a * t + _b));

    /// <inheritdoc />
    public override double TimeFromLogSnr(double logSnr)
    {
        if (double.IsNaN(logSnr)) throw new ArgumentOutOfRangeException(nameof(logSnr), logSnr, "log-SNR must not be NaN");
        double t = (Math.Atan(Math.Exp(-logSnr / 2)) - _b) / _a;
        return Math.Clamp(t, 0, 1);
    }

    /// <inheritdoc />
    public override Tensor LogSnr(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        using var scope = torch.NewDisposeScope();
        var u = t.to_type(ScalarType.Float64).Times(_a).Plus(_b);
        return u.tan().log().Times(-2).to_type(t.dtype).MoveToOuterDisposeScope();
    }
}
