namespace Dsno.Diffusion;

/// <summary>
/// The times at which a trajectory is recorded and a DSNO network predicts frames: strictly decreasing, in [0, 1), last = 0,
/// excluding the pure-noise time 1 (the noise itself is stored beside the frames).
/// </summary>
public static class FrameTimes
{
    /// <summary>The authors' quadratic grid: t_j = (j / M)^2 for j = M-1 .. 0, so M = 4 gives 0.5625, 0.25, 0.0625, 0.</summary>
    public static double[] Quadratic(int m)
    {
        CheckCount(m);
        return Enumerable.Range(0, m).Select(k => Math.Pow((double)(m - 1 - k) / m, 2)).ToArray();
    }

    /// <summary>Evenly spaced: t_j = j / M for j = M-1 .. 0.</summary>
    public static double[] Uniform(int m)
    {
        CheckCount(m);
        return Enumerable.Range(0, m).Select(k => (double)(m - 1 - k) / m).ToArray();
    }

    /// <summary>Checks an explicit list and returns a copy: at least 2 times, strictly decreasing, in [0, 1), last exactly 0.</summary>
    public static double[] Validate(IReadOnlyList<double> times)
    {
        ArgumentNullException.ThrowIfNull(times);
        if (times.Count < 2) throw new ArgumentOutOfRangeException(nameof(times), times.Count, "a time grid needs at least 2 times (M >= 2)");
        DecreasingTimes.Check(times, nameof(times), excludeOne: true);
        if (times[^1] != 0) throw new ArgumentOutOfRangeException(nameof(times), times[^1], "the last time must be 0 (the sample)");
        return times.ToArray();
    }

    private static void CheckCount(int m)
    {
        if (m < 2) throw new ArgumentOutOfRangeException(nameof(m), m, "a time grid needs M >= 2 points");
    }
}
