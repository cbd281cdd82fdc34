namespace Dsno.Training;

/// <summary>
/// Label dropout for classifier-free guidance (Ho and Salimans 2022, Algorithm 1): during training each label is replaced by the null
/// class with probability p, so one network learns both eps(x, t, y) and eps(x, t, null).
/// </summary>
public static class LabelDropout
{
    /// <summary>
    /// <paramref name="labels"/> [B] with each entry replaced by <paramref name="nullLabel"/> with probability <paramref name="rate"/>,
    /// drawn from <paramref name="generator"/> (a new tensor; the input is not changed). Rate 0 returns a copy and draws nothing.
    /// </summary>
    public static Tensor Apply(Tensor labels, double rate, long nullLabel, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!(rate >= 0 && rate < 1)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "the label dropout rate must be in [0, 1)");
        if (rate == 0) return labels.clone();
        using var scope = torch.NewDisposeScope();
        var drop = torch.rand(labels.shape, generator: generator, device: labels.device).lt(Scalars.Of(rate));
        using var nullValue = nullLabel.ToScalar();
        var nulls = torch.full(labels.shape, nullValue, dtype: labels.dtype, device: labels.device);
        return torch.where(drop, nulls, labels).MoveToOuterDisposeScope();
    }
}
