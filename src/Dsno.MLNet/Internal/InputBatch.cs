using TorchSharp;

namespace Dsno.MLNet.Internal;

/// <summary>
/// The inputs of up to <see cref="BatchedMapping.BatchSize"/> consecutive rows, handed to the mapping function in one call.
/// </summary>
/// <remarks>
/// Float vector inputs are flat row-major arrays of exactly <c>Count * Size</c> values (row <c>r</c> starts at <c>r * Size</c>),
/// and integer inputs hold one value per row. The arrays belong to this batch: the mapping may keep them. For TorchSharp use
/// <see cref="FloatTensor(int, torch.Device?)"/>: <c>torch.tensor(float[])</c> wraps the managed array in place, and matrix
/// products then depend on where the garbage collector put it (results differed in the last bits between two runs); the
/// helpers copy into memory that libtorch allocates and aligns, so results repeat bit for bit.
/// </remarks>
internal sealed class InputBatch
{
    private readonly IReadOnlyList<BatchInputColumn> _columns;
    private readonly float[]?[] _floats;
    private readonly int[]?[] _integers;

    internal InputBatch(IReadOnlyList<BatchInputColumn> columns, int count)
    {
        _columns = columns;
        Count = count;
        _floats = new float[]?[columns.Count];
        _integers = new int[]?[columns.Count];
        for (int i = 0; i < columns.Count; i++)
        {
            if (columns[i].Kind != BatchInputKind.Integer) _floats[i] = new float[checked(count * columns[i].Size)];
            else _integers[i] = new int[count];
        }
    }

    /// <summary>Whether the batch has an input <paramref name="input"/> (mappings of one model may read more or fewer columns).</summary>
    public bool HasInput(int input) => input >= 0 && input < _columns.Count;

    /// <summary>Number of rows in the batch (at least 1).</summary>
    public int Count { get; }

    /// <summary>The values of float vector input <paramref name="input"/> (index into <see cref="BatchedMapping.Inputs"/>).</summary>
    public float[] Floats(int input) =>
        _floats[input] ?? throw new InvalidOperationException($"Input column '{_columns[input].Name}' is not a float vector.");

    /// <summary>
    /// Float vector input <paramref name="input"/> as a new tensor of shape <c>[Count, ..Dimensions]</c> on <paramref name="device"/>
    /// (CPU by default), in libtorch-owned memory. It joins the current dispose scope.
    /// </summary>
    public torch.Tensor FloatTensor(int input, torch.Device? device = null)
    {
        var shape = _columns[input].Dimensions.Select(d => (long)d).Prepend(Count).ToArray();
        using var view = torch.tensor(Floats(input), shape);
        return view.to(torch.float32, device ?? torch.CPU, copy: true);
    }

    /// <summary>Integer input <paramref name="input"/> as a new int64 tensor of shape <c>[Count]</c> on <paramref name="device"/>.</summary>
    public torch.Tensor IntegerTensor(int input, torch.Device? device = null)
    {
        using var view = torch.tensor(Integers(input), new long[] { Count });
        return view.to(torch.int64, device ?? torch.CPU, copy: true);
    }

    /// <summary>The values of integer input <paramref name="input"/>.</summary>
    public int[] Integers(int input) =>
        _integers[input] ?? throw new InvalidOperationException($"Input column '{_columns[input].Name}' is not an integer column.");
}
