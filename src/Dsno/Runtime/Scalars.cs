using System.Collections.Concurrent;

namespace Dsno.Runtime;

/// <summary>
/// TorchSharp <see cref="Scalar"/>s that stay alive for the whole process, for passing constants to libtorch.
/// </summary>
/// <remarks>
/// TorchSharp 0.107.0 passes a <see cref="Scalar"/> to native code as a bare handle and nothing keeps the managed object alive
/// during the call. A Scalar made implicitly (<c>tensor * 0.5</c>, <c>tensor + 1</c>, <c>x.clamp(-1, 1)</c>, and the hidden
/// <c>alpha = 1</c> of <c>a + b</c>, <c>Tensor.add(Tensor)</c>, <c>add_(Tensor)</c> and <c>square()</c>) is garbage as soon as its
/// handle is read, so a garbage collection on any thread during the native call can run its finalizer, which deletes the native
/// Scalar while libtorch reads it. libtorch then fails at random with <c>ExternalException: Expected false to be true</c> (from
/// c10's <c>Scalar::toFloat</c>) or "Unknown scalar type", or computes with a freed value; a probe saw 23 failures in 3.3 million
/// additions under ordinary allocation pressure. A <see cref="torch.NewDisposeScope"/> does not help: Scalars are not tracked by it.
/// Every Scalar the project hands to TorchSharp is therefore either one of these (rooted by a static field, so never finalized;
/// native Scalars are immutable, so sharing them across threads is safe) or a run-time value made by
/// <c>using var s = value.ToScalar();</c> whose disposal after the call keeps it alive through the call
/// (see <see cref="TensorArithmetic"/>). Scalar types follow TorchSharp's implicit conversions: integers give integral Scalars,
/// floating-point numbers give double ones, so results are bit-identical to the implicit forms.
/// </remarks>
public static class Scalars
{
    /// <summary>Most distinct constants <see cref="Of(double)"/> and <see cref="Of(long)"/> keep together.</summary>
    public const int CacheCapacity = 4096;

    private static readonly ConcurrentDictionary<(bool Integral, long Bits), Scalar> cache = new();

    /// <summary>The integral Scalar 1 (TorchSharp's implicit <c>alpha</c> of <c>add</c>).</summary>
    public static readonly Scalar One = Of(1L);

    /// <summary>The integral Scalar 0.</summary>
    public static readonly Scalar Zero = Of(0L);

    /// <summary>
    /// The process-wide double Scalar holding <paramref name="value"/>, for a constant of the code. Values that vary at run time
    /// (times, schedule coefficients, learning rates) must not come here: use <c>using var s = value.ToScalar();</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">More than <see cref="CacheCapacity"/> distinct constants were asked for.</exception>
    public static Scalar Of(double value) => Get((false, BitConverter.DoubleToInt64Bits(value)));

    /// <summary>The process-wide integral Scalar holding <paramref name="value"/>, for a constant of the code (see <see cref="Of(double)"/>).</summary>
    /// <exception cref="InvalidOperationException">More than <see cref="CacheCapacity"/> distinct constants were asked for.</exception>
    public static Scalar Of(long value) => Get((true, value));

    private static Scalar Get((bool Integral, long Bits) key)
    {
        if (cache.TryGetValue(key, out var known)) return known;
        lock (cache)
        {
            if (cache.TryGetValue(key, out known)) return known;
            if (cache.Count >= CacheCapacity)
                throw new InvalidOperationException(
                    $"Scalars.Of has cached {CacheCapacity} distinct constants; a value that varies at run time must use a using-scoped ToScalar() instead");
            var created = key.Integral ? key.Bits.ToScalar() : BitConverter.Int64BitsToDouble(key.Bits).ToScalar();
            cache[key] = created;
            return created;
        }
    }
}
