namespace Dsno.Diffusion;

/// <summary>
/// An epsilon-prediction network seen as an <see cref="IDenoiser"/>: the network maps (x_t, t) to eps_hat, and the denoised
/// estimate is x0_hat = (x_t - sigma eps_hat) / alpha (Ho et al. 2020, eq. 15 in continuous time).
/// </summary>
public sealed class EpsilonDenoiser : IDenoiser
{
    private readonly Func<Tensor, Tensor, Tensor> _network;
    private long _evaluations;
    private readonly int _evaluationsPerCall;

    /// <summary>Wraps <paramref name="network"/>, one call of which counts as <paramref name="evaluationsPerCall"/> model evaluations.</summary>
    /// <param name="network">
    /// (x [B, ...], t [B] float32 times in [0, 1], on x's device) to eps_hat with x's shape. Labels or other conditioning are the
    /// caller's to close over.
    /// </param>
    /// <param name="schedule">The schedule the network was trained with.</param>
    /// <param name="clipDenoised">Clamp x0_hat to [-1, 1] (and make eps_hat consistent with the clamped value).</param>
    /// <param name="evaluationsPerCall">
    /// Model evaluations in one call: 2 for a classifier-free guided network (<see cref="ClassifierFreeGuidance.Wrap"/>), else 1.
    /// </param>
    public EpsilonDenoiser(Func<Tensor, Tensor, Tensor> network, NoiseSchedule schedule, bool clipDenoised = false, int evaluationsPerCall = 1)
    {
        if (evaluationsPerCall < 1) throw new ArgumentOutOfRangeException(nameof(evaluationsPerCall), evaluationsPerCall, "a call makes at least one evaluation");
        _evaluationsPerCall = evaluationsPerCall;
        _network = network ?? throw new ArgumentNullException(nameof(network));
        Schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
        ClipDenoised = clipDenoised;
    }

    /// <inheritdoc />
    public NoiseSchedule Schedule { get; }

    /// <summary>Whether x0_hat is clamped to [-1, 1].</summary>
    public bool ClipDenoised { get; }

    /// <inheritdoc />
    public long Evaluations => Interlocked.Read(ref _evaluations);

    /// <inheritdoc />
    public Prediction Predict(Tensor x, double t)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() < 1) throw new ArgumentException("x must have a batch dimension", nameof(x));
        if (!double.IsFinite(t) || t < 0 || t > 1) throw new ArgumentOutOfRangeException(nameof(t), t, "time must be in [0, 1]");
        double alpha = Schedule.Alpha(t), sigma = Schedule.Sigma(t);

        using var scope = torch.NewDisposeScope();
        using var time = t.ToScalar();
        var times = torch.full(new[] { x.shape[0] }, time, dtype: ScalarType.Float32, device: x.device);
        var eps = _network(x, times);
        Interlocked.Add(ref _evaluations, _evaluationsPerCall);
        if (!eps.shape.SequenceEqual(x.shape))
            throw new InvalidOperationException(
                $"the network returned shape [{string.Join(", ", eps.shape)}] for input [{string.Join(", ", x.shape)}]");

        var denoised = (x - eps.Times(sigma)).DividedBy(alpha);
        if (ClipDenoised)
        {
            denoised = denoised.ClampTo(-1.0, 1.0);
            eps = (x - denoised.Times(alpha)).DividedBy(sigma);
        }
        // The network may hand back a tensor it also keeps (or x itself): give the caller one it owns.
        if (ReferenceEquals(eps, x)) eps = eps.clone();
        return new Prediction(eps.MoveToOuterDisposeScope(), denoised.MoveToOuterDisposeScope());
    }
}
