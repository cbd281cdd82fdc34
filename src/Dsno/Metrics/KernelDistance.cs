namespace Dsno.Metrics;

/// <summary>
/// Kernel distance between feature sets (KID, Binkowski et al. 2018): the unbiased estimate of the squared maximum mean discrepancy
/// with the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3, averaged over random subsets of both sets.
/// </summary>
/// <remarks>Unlike FD it has an unbiased estimator, so its value does not drift with the sample count. Kernel matrices are computed in float64 with torch on the CPU.</remarks>
public static class KernelDistance
{
    /// <summary>
    /// Draws <paramref name="subsets"/> pairs of subsets (each of min(<paramref name="subsetSize"/>, n_a, n_b) samples, without
    /// replacement within a subset) and returns the mean and standard deviation of their unbiased MMD^2.
    /// </summary>
    /// <param name="a">Features [n_a, d], n_a at least 2.</param>
    /// <param name="b">Features [n_b, d], n_b at least 2.</param>
    /// <param name="subsets">Number of subset pairs (at least 1).</param>
    /// <param name="subsetSize">Largest subset size (at least 2).</param>
    /// <param name="seed">Seed of the subset draws.</param>
    public static KernelDistanceEstimate Compute(double[,] a, double[,] b, int subsets = 10, int subsetSize = 1000, int seed = 0)
    {
        FeatureTensors.Check(a, 2, nameof(a));
        FeatureTensors.Check(b, 2, nameof(b));
        FeatureTensors.CheckSameDimension(a, b, nameof(b));
        if (subsets < 1) throw new ArgumentOutOfRangeException(nameof(subsets), subsets, "must be at least 1");
        if (subsetSize < 2) throw new ArgumentOutOfRangeException(nameof(subsetSize), subsetSize, "must be at least 2");

        int na = a.GetLength(0), nb = b.GetLength(0), d = a.GetLength(1);
        int m = Math.Min(subsetSize, Math.Min(na, nb));
        var draws = new SeededDraws(seed, SubsetStream);
        var estimates = new double[subsets];
        using var outer = torch.NewDisposeScope();
        var x = FeatureTensors.ToTensor(a);
        var y = FeatureTensors.ToTensor(b);
        for (int s = 0; s < subsets; s++)
        {
            using var scope = torch.NewDisposeScope();
            var xs = x.index_select(0, torch.tensor(draws.Subset(na, m)));
            var ys = y.index_select(0, torch.tensor(draws.Subset(nb, m)));
            estimates[s] = UnbiasedMmd2(xs, ys, d);
        }
        double mean = estimates.Average();
        double std = Math.Sqrt(estimates.Sum(e => (e - mean) * (e - mean)) / subsets);
        return new KernelDistanceEstimate(mean, std, subsets, m);
    }

    /// <summary>
    /// MMD^2_u = sum_{i!=j} k(x_i,x_j) / (m(m-1)) + sum_{i!=j} k(y_i,y_j) / (m(m-1)) - 2 sum_{i,j} k(x_i,y_j) / m^2 for two equal-sized samples.
    /// </summary>
    private static double UnbiasedMmd2(Tensor x, Tensor y, int d)
    {
        long m = x.shape[0];
        var kxx = Kernel(x, x, d);
        var kyy = Kernel(y, y, d);
        var kxy = Kernel(x, y, d);
        double offDiagonalX = kxx.sum().item<double>() - kxx.diagonal().sum().item<double>();
        double offDiagonalY = kyy.sum().item<double>() - kyy.diagonal().sum().item<double>();
        return (offDiagonalX + offDiagonalY) / (m * (m - 1.0)) - 2.0 * kxy.sum().item<double>() / ((double)m * m);
    }

    private static Tensor Kernel(Tensor x, Tensor y, int d) => x.matmul(y.t()).DividedBy(d).Plus(1).pow(Scalars.Of(3L));

    private const ulong SubsetStream = 0x2001;
}
