namespace Dsno.Diffusion;

/// <summary>
/// exp(x) - 1 and log(1 + x) accurate to a few ulps near 0 (Kahan's correction tricks, Goldberg 1991 section 4).
/// .NET's <c>double.ExpM1</c> / <c>double.LogP1</c> compute <c>Exp(x) - 1</c> / <c>Log(x + 1)</c> and lose digits there.
/// </summary>
internal static class StableMath
{
    /// <summary>exp(x) - 1.</summary>
    public static double ExpM1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1.0) return x;
        double um1 = u - 1.0;
        if (um1 == -1.0) return -1.0;
        if (double.IsPositiveInfinity(u)) return u;
        // (u - 1) / log(u) cancels the rounding error made in u.
        return um1 * x / Math.Log(u);
    }

    /// <summary>log(1 + x), for x &gt;= -1.</summary>
    public static double LogP1(double x)
    {
        double u = 1.0 + x;
        if (u == 1.0) return x;
        if (double.IsPositiveInfinity(u)) return Math.Log(x);
        return Math.Log(u) * x / (u - 1.0);
    }
}
