namespace Dsno.Metrics;

/// <summary>Conversions between feature arrays [n, d] and float64 CPU tensors, with the checks every metric needs.</summary>
internal static class FeatureTensors
{
    /// <summary>A float64 CPU tensor [n, d] holding a copy of <paramref name="features"/>.</summary>
    public static Tensor ToTensor(double[,] features)
    {
        int n = features.GetLength(0), d = features.GetLength(1);
        var flat = new double[n * d];
        Buffer.BlockCopy(features, 0, flat, 0, flat.Length * sizeof(double));
        return tensor(flat, new long[] { n, d }, ScalarType.Float64);
    }

    /// <summary>Throws when <paramref name="features"/> has fewer than <paramref name="minRows"/> rows, no columns, or a non-finite value.</summary>
    public static void Check(double[,] features, int minRows, string name)
    {
        ArgumentNullException.ThrowIfNull(features, name);
        if (features.GetLength(0) < minRows) throw new ArgumentException($"need at least {minRows} feature vectors, got {features.GetLength(0)}", name);
        if (features.GetLength(1) < 1) throw new ArgumentException("feature vectors are empty", name);
        foreach (double v in features)
            if (!double.IsFinite(v)) throw new ArgumentException("features contain NaN or infinite values", name);
    }

    /// <summary>Throws when the two sets have different feature dimensions.</summary>
    public static void CheckSameDimension(double[,] a, double[,] b, string name)
    {
        if (a.GetLength(1) != b.GetLength(1)) throw new ArgumentException($"feature dimensions differ: {a.GetLength(1)} and {b.GetLength(1)}", name);
    }
}
