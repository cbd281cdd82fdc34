namespace Dsno.Diffusion;

/// <summary>The check that step lists, frame grids and trajectory recorders share: finite times in [0, 1], strictly decreasing.</summary>
internal static class DecreasingTimes
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for <paramref name="parameter"/> at the first time out of order or range.</summary>
    /// <param name="times">The times.</param>
    /// <param name="parameter">The parameter's name, for the exception.</param>
    /// <param name="excludeOne">Refuse t = 1 too (frame grids: 1 is the noise itself, stored beside the frames).</param>
    public static void Check(IReadOnlyList<double> times, string parameter, bool excludeOne = false)
    {
        for (int i = 0; i < times.Count; i++)
        {
            double t = times[i];
            if (!double.IsFinite(t) || t < 0 || t > 1 || (excludeOne && t == 1))
                throw new ArgumentOutOfRangeException(parameter, t, excludeOne ? $"time {i} must be in [0, 1) (1 is the noise itself)" : $"time {i} must be in [0, 1]");
            if (i > 0 && !(t < times[i - 1]))
                throw new ArgumentOutOfRangeException(parameter, t, $"times must be strictly decreasing, but time {i} = {t} follows {times[i - 1]}");
        }
    }
}
