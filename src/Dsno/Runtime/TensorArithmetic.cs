namespace Dsno.Runtime;

/// <summary>
/// Tensor arithmetic with numbers that keeps every <see cref="Scalar"/> alive through its native call (the race that
/// <see cref="Scalars"/> describes). Each method runs the same libtorch operation, with the same Scalar type, as the TorchSharp
/// operator or overload it replaces (named in its summary), so results are bit-identical. Use these instead of the operators
/// <c>+</c> (any), and <c>*</c>, <c>/</c>, <c>-</c> with a number, on tensors.
/// </summary>
public static class TensorArithmetic
{
    /// <summary><c>x + y</c>: <c>x.add(y, alpha: 1)</c>.</summary>
    public static Tensor Plus(this Tensor x, Tensor y) => x.add(y, Scalars.One);

    /// <summary><c>x + c</c>: <c>x.add(c, alpha: 1)</c>.</summary>
    public static Tensor Plus(this Tensor x, double c) => With(x, c, static (x, s) => x.add(s, Scalars.One));

    /// <summary><c>x + c</c> with an integral <paramref name="c"/>: <c>x.add(c, alpha: 1)</c>.</summary>
    public static Tensor Plus(this Tensor x, long c) => With(x, c, static (x, s) => x.add(s, Scalars.One));

    /// <summary>In place <c>x += y</c>: <c>x.add_(y, alpha: 1)</c>.</summary>
    public static Tensor PlusInPlace(this Tensor x, Tensor y) => x.add_(y, Scalars.One);

    /// <summary><c>x * c</c>: <c>x.mul(c)</c>.</summary>
    public static Tensor Times(this Tensor x, double c) => With(x, c, static (x, s) => x.mul(s));

    /// <summary><c>x * c</c> with an integral <paramref name="c"/>: <c>x.mul(c)</c>.</summary>
    public static Tensor Times(this Tensor x, long c) => With(x, c, static (x, s) => x.mul(s));

    /// <summary><c>x / c</c>: <c>x.div(c)</c>.</summary>
    public static Tensor DividedBy(this Tensor x, double c) => With(x, c, static (x, s) => x.div(s));

    /// <summary><c>x / c</c> with an integral <paramref name="c"/>: <c>x.div(c)</c>.</summary>
    public static Tensor DividedBy(this Tensor x, long c) => With(x, c, static (x, s) => x.div(s));

    /// <summary><c>x.square()</c>, which TorchSharp runs as <c>x.pow(2)</c> with an integral 2.</summary>
    public static Tensor Squared(this Tensor x) => x.pow(Scalars.Of(2L));

    /// <summary><c>x.clamp(min, max)</c> with integral bounds.</summary>
    public static Tensor ClampTo(this Tensor x, long min, long max)
    {
        using var lower = min.ToScalar();
        using var upper = max.ToScalar();
        return x.clamp(lower, upper);
    }

    /// <summary><c>x.clamp(min, max)</c>.</summary>
    public static Tensor ClampTo(this Tensor x, double min, double max)
    {
        using var lower = min.ToScalar();
        using var upper = max.ToScalar();
        return x.clamp(lower, upper);
    }

    // Runs op with c as a Scalar that lives until the native call has returned (a using local, as the lint asks).
    private static Tensor With(Tensor x, double c, Func<Tensor, Scalar, Tensor> op)
    {
        using var s = c.ToScalar();
        return op(x, s);
    }

    // The same with an integral Scalar.
    private static Tensor With(Tensor x, long c, Func<Tensor, Scalar, Tensor> op)
    {
        using var s = c.ToScalar();
        return op(x, s);
    }
}
