namespace Dsno.Diffusion;

/// <summary>
/// Classifier-free guidance (Ho and Salimans 2022, eq. 6, with w as the guidance scale): from one network trained with label dropout
/// toward a null class, eps_w(x, t, y) = (1 + w) eps(x, t, y) - w eps(x, t, null). A wrapper around the network, separate from it and
/// from the solvers: the conditional and null halves run as one batch of 2B rows, so a guided step costs two model evaluations and
/// one network call. w = 0 is the conditional model itself, and the wrapper then makes no null-class evaluation at all.
/// </summary>
public static class ClassifierFreeGuidance
{
    /// <summary>Model evaluations a guided call costs (the conditional and the null-class prediction).</summary>
    public const int EvaluationsPerCall = 2;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="w"/> is finite and not negative.</summary>
    public static double Check(double w, string parameter = "guidance")
    {
        if (!double.IsFinite(w) || w < 0)
            throw new ArgumentOutOfRangeException(parameter, w, $"the guidance scale w must be a finite number >= 0 (0 = no guidance), got {w.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return w;
    }

    /// <summary>
    /// Checks per-row guidance scales [B] (finite, not negative) and tells whether any row is guided (w &gt; 0). Throws
    /// <see cref="ArgumentOutOfRangeException"/> naming the first bad value.
    /// </summary>
    public static bool CheckScales(Tensor guidance, long batch, string parameter = "guidance")
    {
        ArgumentNullException.ThrowIfNull(guidance);
        if (guidance.ndim != 1 || guidance.shape[0] != batch)
            throw new ArgumentException($"guidance scales must have shape [{batch}], got [{string.Join(", ", guidance.shape)}]", parameter);
        if (batch == 0) return false;
        using var scope = torch.NewDisposeScope();
        var values = guidance.to(ScalarType.Float64).cpu();
        var bad = (~torch.isfinite(values)) | values.lt(Scalars.Zero);
        if (bad.any().item<bool>())
            Check(values[bad.nonzero()[0, 0].item<long>()].item<double>(), parameter);
        return values.gt(Scalars.Zero).any().item<bool>();
    }

    /// <summary>
    /// The guided prediction from its two halves: (1 + w) <paramref name="conditional"/> - w <paramref name="unconditional"/>, with
    /// <paramref name="w"/> [B] broadcast over the other dimensions of the predictions [B, ...].
    /// </summary>
    public static Tensor Combine(Tensor conditional, Tensor unconditional, Tensor w)
    {
        ArgumentNullException.ThrowIfNull(conditional);
        ArgumentNullException.ThrowIfNull(unconditional);
        ArgumentNullException.ThrowIfNull(w);
        using var scope = torch.NewDisposeScope();
        var shape = new long[conditional.ndim];
        Array.Fill(shape, 1L);
        shape[0] = conditional.shape[0];
        var scale = w.to(conditional.dtype, conditional.device).reshape(shape);
        return (scale.Plus(1.0) * conditional - scale * unconditional).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Wraps a class-conditional epsilon network as the (x, t) -&gt; eps function of <see cref="EpsilonDenoiser"/>, guided with the
    /// scales <paramref name="w"/> [B] for <paramref name="labels"/> [B]: each call evaluates the network once on the 2B rows
    /// [x; x] with labels [labels; null] and combines the halves with <see cref="Combine"/>.
    /// </summary>
    /// <param name="network">(x, t, labels) to eps, for labels that may include <paramref name="nullLabel"/>.</param>
    /// <param name="labels">The requested classes [B] (int64).</param>
    /// <param name="nullLabel">The null class's label.</param>
    /// <param name="w">Guidance scales [B], finite and not negative.</param>
    public static Func<Tensor, Tensor, Tensor> Wrap(Func<Tensor, Tensor, Tensor?, Tensor> network, Tensor labels, long nullLabel, Tensor w)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(labels);
        if (nullLabel < 0) throw new ArgumentOutOfRangeException(nameof(nullLabel), nullLabel, "the null class needs a label >= 0");
        CheckScales(w, labels.shape[0], nameof(w));
        return (x, t) =>
        {
            long b = x.shape[0];
            if (b != labels.shape[0]) throw new ArgumentException($"the batch has {b} rows but {labels.shape[0]} labels were given", nameof(x));
            using var scope = torch.NewDisposeScope();
            using var nullValue = nullLabel.ToScalar();
            var nullLabels = torch.full(new[] { b }, nullValue, dtype: ScalarType.Int64, device: labels.device);
            var eps = network(torch.cat(new[] { x, x }, 0), torch.cat(new[] { t, t }, 0), torch.cat(new[] { labels.to(ScalarType.Int64), nullLabels }, 0));
            var (conditional, unconditional) = (eps[..(int)b], eps[(int)b..]);
            return Combine(conditional, unconditional, w).MoveToOuterDisposeScope();
        };
    }
}
