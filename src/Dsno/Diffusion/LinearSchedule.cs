namespace Dsno.Diffusion;

/// <summary>
/// The variance-preserving linear schedule of Song et al. 2021 (score SDE, VP SDE with beta(t) linear from beta_min to beta_max):
/// log alpha^2 = -g(t') with g(t') = beta_min t' + (beta_max - beta_min) t'^2 / 2 and t' = eps + (1 - eps) t, so that lambda stays
/// finite at t = 0. Then alpha^2 / sigma^2 = 1 / (exp(g) - 1) and lambda = -log(expm1(g)).
/// </summary>
public sealed class LinearSchedule : NoiseSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="betaMin">beta(0).</param>
    /// <param name="betaMax">beta(1).</param>
    /// <param name="epsilon">The smallest internal time t' (t = 0 maps to t' = epsilon).</param>
    public LinearSchedule(double betaMin = 0.1, double betaMax = 20, double epsilon = 1e-3)
    {
        if (!double.IsFinite(betaMin) || betaMin <= 0)
            throw new ArgumentOutOfRangeException(nameof(betaMin), betaMin, "beta_min must be positive");
        if (!double.IsFinite(betaMax) || betaMax < betaMin)
            throw new ArgumentOutOfRangeException(nameof(betaMax), betaMax, "beta_max must be finite and at least beta_min");
        if (!(epsilon > 0 && epsilon < 1))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be in (0, 1)");
        BetaMin = betaMin;
        BetaMax = betaMax;
        Epsilon = epsilon;
    }

    /// <inheritdoc />
    public override string Name => "linear";

    /// <summary>beta(0).</summary>
    public double BetaMin { get; }

    /// <summary>beta(1).</summary>
    public double BetaMax { get; }

    /// <summary>The internal time t' at t = 0.</summary>
    public double Epsilon { get; }

    private double InternalTime(double t) => Epsilon + (1 - Epsilon) * t;

    /// <summary>g(t') = -log alpha^2, the integral of beta from 0 to t'.</summary>
    private double IntegratedBeta(double tp) => BetaMin * tp + 0.5 * (BetaMax - BetaMin) * tp * tp;

    /// <inheritdoc />
    public override double LogSnr(double t) => -Math.Log(StableMath.ExpM1(IntegratedBeta(InternalTime(t))));

    /// <inheritdoc />
    /// <remarks>d lambda / dt = -g'(t') (1 - eps) e^g / (e^g - 1) = g'(t') (1 - eps) / expm1(-g).</remarks>
    public override double LogSnrDerivative(double t)
    {
        double tp = InternalTime(t);
        double beta = BetaMin + (BetaMax - BetaMin) * tp;
        return beta * (1 - Epsilon) / StableMath.ExpM1(-IntegratedBeta(tp));
    }

    /// <inheritdoc />
    public override double TimeFromLogSnr(double logSnr)
    {
        if (double.IsNaN(logSnr)) throw new ArgumentOutOfRangeException(nameof(logSnr), logSnr, "log-SNR must not be NaN");
        // g = log(1 + exp(-lambda)), a softplus written to avoid overflow for very negative lambda.
        double g = logSnr > 0 ? StableMath.LogP1(Math.Exp(-logSnr)) : -logSnr + StableMath.LogP1(Math.Exp(logSnr));
        // Positive root of (d/2) t'^2 + beta_min t' - g = 0, in the form without cancellation.
        double delta = BetaMax - BetaMin;
        double tp = 2 * g / (BetaMin + Math.Sqrt(BetaMin * BetaMin + 2 * delta * g));
        return Math.Clamp((tp - Epsilon) / (1 - Epsilon), 0, 1);
    }

    /// <inheritdoc />
    public override Tensor LogSnr(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        using var scope = torch.NewDisposeScope();
        var tp = t.to_type(ScalarType.Float64).Times(1 - Epsilon).Plus(Epsilon);
        var g = tp.Times(BetaMin).Plus(tp.Squared().Times(0.5 * (BetaMax - BetaMin)));
        return (-g.expm1().log()).to_type(t.dtype).MoveToOuterDisposeScope();
    }
}
