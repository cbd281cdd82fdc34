namespace Dsno.Diffusion;

/// <summary>
/// A variance-preserving noise schedule on continuous time t in [0, 1]: x_t = alpha(t) x_0 + sigma(t) eps, alpha^2 + sigma^2 = 1,
/// t = 0 is data and t = 1 is (almost) pure noise. Everything derives from the log signal-to-noise ratio
/// lambda(t) = log(alpha^2 / sigma^2), which is strictly decreasing and finite on [0, 1].
/// </summary>
public abstract class NoiseSchedule
{
    /// <summary>Short name, stored in model files (for example <c>cosine</c>).</summary>
    public abstract string Name { get; }

    /// <summary>lambda(t) = log(alpha^2 / sigma^2).</summary>
    public abstract double LogSnr(double t);

    /// <summary>d lambda / dt (negative).</summary>
    public abstract double LogSnrDerivative(double t);

    /// <summary>The inverse of <see cref="LogSnr(double)"/>: the t in [0, 1] with lambda(t) = <paramref name="logSnr"/> (clamped to the range).</summary>
    public abstract double TimeFromLogSnr(double logSnr);

    /// <summary>lambda(t) for a tensor of times (any shape), in float64 inside and returned in the input's dtype.</summary>
    public abstract Tensor LogSnr(Tensor t);

    /// <summary>alpha(t) = sqrt(sigmoid(lambda)).</summary>
    public double Alpha(double t) => Math.Sqrt(Sigmoid(LogSnr(t)));

    /// <summary>sigma(t) = sqrt(sigmoid(-lambda)).</summary>
    public double Sigma(double t) => Math.Sqrt(Sigmoid(-LogSnr(t)));

    /// <summary>alpha(t) for a tensor of times.</summary>
    public Tensor Alpha(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        return torch.sigmoid(LogSnr(t)).sqrt().MoveToOuterDisposeScope();
    }

    /// <summary>sigma(t) for a tensor of times.</summary>
    public Tensor Sigma(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        return torch.sigmoid(-LogSnr(t)).sqrt().MoveToOuterDisposeScope();
    }

    /// <summary>Numerically stable logistic function.</summary>
    protected static double Sigmoid(double z) => z >= 0 ? 1.0 / (1.0 + Math.Exp(-z)) : Math.Exp(z) / (1.0 + Math.Exp(z));

    /// <summary>Creates a schedule from its <see cref="Name"/>.</summary>
    public static NoiseSchedule FromName(string name) => name switch
    {
        "cosine" => new CosineSchedule(),
        "linear" => new LinearSchedule(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown noise schedule; expected 'cosine' or 'linear'"),
    };
}
