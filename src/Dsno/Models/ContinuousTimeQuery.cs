namespace Dsno.Models;

/// <summary>
/// Plans the evaluation of a DSNO network at arbitrary times in (0, 1] (the paper's appendix A.3, made general).
/// </summary>
/// <remarks>
/// The temporal Fourier layers see the M training frames as M evenly spaced, periodic samples, although the frame times themselves are
/// not evenly spaced (the quadratic grid). We therefore work in the layers' own coordinate, the frame position p: frame j sits at p = j,
/// and the noise end (t = 1) at p = -1, which the periodic transform identifies with p = M - 1. A time t is mapped to p by the piecewise
/// linear warp through the knots (p = -1, t = 1), (p = j, t_j). To decode at query times we evaluate the network on a grid r times finer
/// in p (M' = r M slices, each slice conditioned on the time of its position; the Fourier layers are resolution-invariant because they keep
/// the same lowest modes), choosing the smallest r in 1..<see cref="MaxRefinement"/> that puts every query on a slice; a query between
/// slices of the finest grid is interpolated linearly in p. Querying the training grid itself gives r = 1, which is exactly the one-pass output.
/// </remarks>
/// <param name="SliceTimes">Times of the slices to evaluate, in position order.</param>
/// <param name="Reads">For each query: the two slices to blend and the weight of the upper one.</param>
/// <param name="Refinement">The refinement factor r.</param>
public sealed record ContinuousTimeQuery(double[] SliceTimes, (int Lower, int Upper, double Weight)[] Reads, int Refinement)
{
    /// <summary>Largest refinement factor tried.</summary>
    public const int MaxRefinement = 8;

    /// <summary>Plans the queries against a training grid.</summary>
    public static ContinuousTimeQuery Plan(IReadOnlyList<double> frameTimes, IReadOnlyList<double> queryTimes)
    {
        ArgumentNullException.ThrowIfNull(queryTimes);
        if (queryTimes.Count == 0) throw new ArgumentOutOfRangeException(nameof(queryTimes), "give at least one query time");
        foreach (double t in queryTimes)
            if (!double.IsFinite(t) || t < 0 || t > 1) throw new ArgumentOutOfRangeException(nameof(queryTimes), t, "query times must be in [0, 1]");

        int m = frameTimes.Count;
        double[] positions = queryTimes.Select(t => Position(frameTimes, t)).ToArray();
        int r = Enumerable.Range(1, MaxRefinement).FirstOrDefault(k => positions.All(p => IsWhole(p * k)), MaxRefinement);
        int slices = r * m;
        var sliceTimes = Enumerable.Range(0, slices).Select(i => Time(frameTimes, (double)i / r)).ToArray();
        var reads = positions.Select(p =>
        {
            double q = p * r;
            if (IsWhole(q)) { int k = Mod((int)Math.Round(q), slices); return (k, k, 0.0); }
            int lower = (int)Math.Floor(q);
            return (Mod(lower, slices), Mod(lower + 1, slices), q - lower);
        }).ToArray();
        return new ContinuousTimeQuery(sliceTimes, reads, r);
    }

    /// <summary>Position p in [-1, M - 1] of time t (t = 1 at p = -1, t_j at p = j), wrapped into [0, M).</summary>
    public static double Position(IReadOnlyList<double> frameTimes, double t)
    {
        int m = frameTimes.Count;
        double p;
        if (t >= frameTimes[0]) p = -1 + (1 - t) / (1 - frameTimes[0]);
        else
        {
            int j = 1;
            while (j < m - 1 && t < frameTimes[j]) j++;
            // t in [t_j, t_{j-1})
            p = j - (t - frameTimes[j]) / (frameTimes[j - 1] - frameTimes[j]);
        }
        return p < 0 ? p + m : p;
    }

    /// <summary>Time of position p in [0, M) (inverse of <see cref="Position"/>).</summary>
    public static double Time(IReadOnlyList<double> frameTimes, double p)
    {
        int m = frameTimes.Count;
        if (p > m - 1) // between the last frame (t = 0) and, periodically, the noise end (t = 1) then frame 0
        {
            double q = p - m; // in (-1, 0)
            return 1 - (q + 1) * (1 - frameTimes[0]);
        }
        int j = (int)Math.Floor(p);
        double f = p - j;
        return f == 0 ? frameTimes[j] : frameTimes[j] + f * (frameTimes[j + 1] - frameTimes[j]);
    }

    private static bool IsWhole(double x) => Math.Abs(x - Math.Round(x)) < 1e-9;
    private static int Mod(int a, int n) => ((a % n) + n) % n;
}
