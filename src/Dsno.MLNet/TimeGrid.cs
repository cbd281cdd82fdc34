using Dsno.Diffusion;

namespace Dsno.MLNet;

/// <summary>
/// The times at which trajectories are recorded and DSNO predicts frames: strictly decreasing, last 0 (the sample), excluding the
/// pure-noise time 1 (t = 1 is noise, t = 0 is data).
/// </summary>
public sealed class TimeGrid
{
    private TimeGrid(double[] times) => Values = times;

    /// <summary>The authors' default: t_j = (j / M)^2 for j = M-1 .. 0 (M = 4: 0.5625, 0.25, 0.0625, 0).</summary>
    public static TimeGrid Quadratic(int m) => new(FrameTimes.Quadratic(m));

    /// <summary>Evenly spaced: t_j = j / M for j = M-1 .. 0.</summary>
    public static TimeGrid Uniform(int m) => new(FrameTimes.Uniform(m));

    /// <summary>Explicit times: at least 2, strictly decreasing, in [0, 1), last 0.</summary>
    public static TimeGrid FromTimes(params float[] times)
    {
        ArgumentNullException.ThrowIfNull(times);
        return new(FrameTimes.Validate(times.Select(t => (double)t).ToArray()));
    }

    /// <summary>Explicit times in double precision.</summary>
    public static TimeGrid FromTimes(IReadOnlyList<double> times) => new(FrameTimes.Validate(times));

    /// <summary>The times as stored in the <c>Times</c> annotation.</summary>
    public float[] Times => Values.Select(t => (float)t).ToArray();

    /// <summary>The times in double precision (what the core uses); <see cref="Times"/> is their public, float form.</summary>
    internal double[] Values { get; }

    /// <summary>Number of frames M.</summary>
    public int Count => Values.Length;

    /// <inheritdoc/>
    public override string ToString() => $"[{string.Join(", ", Values.Select(t => t.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)))}]";
}
