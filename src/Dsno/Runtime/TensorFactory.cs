namespace Dsno.Runtime;

/// <summary>Tensors built from managed arrays.</summary>
public static class TensorFactory
{
    /// <summary>
    /// A tensor that owns a copy of <paramref name="values"/> in libtorch memory. <c>torch.tensor(float[])</c> wraps the pinned managed
    /// array instead, and where the garbage collector placed it (its alignment) can change the last bits of later matrix products,
    /// which breaks bit-for-bit repeatability across processes.
    /// </summary>
    public static Tensor Owned(float[] values, params long[] shape)
    {
        using var view = torch.tensor(values, shape);
        return view.clone();
    }
}
