namespace Dsno.Metrics;

/// <summary>
/// Improved precision and recall of a generative model (Kynkaanniemi et al. 2019). Each set's manifold is estimated as the union of
/// hyperspheres centred on its samples, with radius the distance to the sample's k-th nearest neighbour within the set. A sample lies
/// inside a manifold when it is within the radius of at least one of its samples. Precision: fraction of generated samples inside the
/// real manifold. Recall: fraction of real samples inside the generated manifold.
/// </summary>
/// <remarks>
/// Exact pairwise Euclidean distances with <c>torch.cdist</c> in float64 (without the matrix-product shortcut, so that identical points
/// are at distance exactly 0), in row blocks of <see cref="BlockRows"/>; O(n^2 d) time, O(BlockRows n) memory, meant for n up to about 5,000.
/// </remarks>
public static class PrecisionRecall
{
    /// <summary>Rows of the distance matrix computed at once.</summary>
    public const int BlockRows = 512;

    /// <summary>Precision and recall of <paramref name="generated"/> [n_g, d] against <paramref name="real"/> [n_r, d]; both need more than k rows.</summary>
    public static PrecisionRecallResult Compute(double[,] real, double[,] generated, int k = 3)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "must be at least 1");
        FeatureTensors.Check(real, k + 1, nameof(real));
        FeatureTensors.Check(generated, k + 1, nameof(generated));
        FeatureTensors.CheckSameDimension(real, generated, nameof(generated));
        using var scope = torch.NewDisposeScope();
        var r = FeatureTensors.ToTensor(real);
        var g = FeatureTensors.ToTensor(generated);
        var realRadii = NeighbourRadii(r, k);
        var generatedRadii = NeighbourRadii(g, k);
        double precision = FractionInside(g, r, realRadii);
        double recall = FractionInside(r, g, generatedRadii);
        return new PrecisionRecallResult(precision, recall, k);
    }

    /// <summary>Distance from each row of <paramref name="points"/> to its k-th nearest other row (the row itself, at distance 0, is skipped).</summary>
    private static Tensor NeighbourRadii(Tensor points, int k)
    {
        long n = points.shape[0];
        var radii = new List<Tensor>();
        for (long start = 0; start < n; start += BlockRows)
        {
            using var scope = torch.NewDisposeScope();
            long rows = Math.Min(BlockRows, n - start);
            var distances = Distances(points.narrow(0, start, rows), points);
            // The k+1 smallest include the point itself; the last of them is the k-th neighbour.
            radii.Add(distances.topk(k + 1, dim: 1, largest: false, sorted: true).values.select(1, k).contiguous().MoveToOuterDisposeScope());
        }
        return torch.cat(radii);
    }

    /// <summary>Fraction of <paramref name="queries"/> within radius[j] of at least one <paramref name="centres"/>[j].</summary>
    private static double FractionInside(Tensor queries, Tensor centres, Tensor radii)
    {
        long n = queries.shape[0];
        long inside = 0;
        var limit = radii.unsqueeze(0);
        for (long start = 0; start < n; start += BlockRows)
        {
            using var scope = torch.NewDisposeScope();
            long rows = Math.Min(BlockRows, n - start);
            var distances = Distances(queries.narrow(0, start, rows), centres);
            inside += distances.le(limit).any(1).sum().item<long>();
        }
        return (double)inside / n;
    }

    private static Tensor Distances(Tensor a, Tensor b) => torch.cdist(a, b, 2.0, compute_mode.donot_use_mm_for_euclid_dist);
}
