using TorchSharp;

namespace Dsno.MLNet.Internal;

/// <summary>
/// The output buffers for one batch: one flat row-major array of <c>Count * Size</c> floats per output column that some consumer
/// asked for. Buffers start filled with NaN, so an output the mapping forgets to write shows up at once.
/// </summary>
internal sealed class OutputBatch
{
    private readonly IReadOnlyList<BatchOutputColumn> _columns;
    private readonly float[]?[] _values;

    internal OutputBatch(IReadOnlyList<BatchOutputColumn> columns, IReadOnlyList<bool> active, int count)
    {
        _columns = columns;
        Count = count;
        _values = new float[]?[columns.Count];
        for (int k = 0; k < columns.Count; k++)
        {
            if (!active[k]) continue;
            var values = new float[checked(count * columns[k].Size)];
            Array.Fill(values, float.NaN);
            _values[k] = values;
        }
    }

    /// <summary>Number of rows in the batch.</summary>
    public int Count { get; }

    /// <summary>Whether output <paramref name="output"/> (index into <see cref="BatchedMapping.Outputs"/>) is wanted.</summary>
    public bool IsActive(int output) => _values[output] is not null;

    /// <summary>The buffer to fill for output <paramref name="output"/>, or null when nobody asked for it.</summary>
    public float[]? GetOrNull(int output) => _values[output];

    /// <summary>
    /// Copies <paramref name="values"/> (any device and float dtype, <c>Count * Size</c> elements, for example shape
    /// <c>[Count, ..Dimensions]</c>) into output <paramref name="output"/>; does nothing when the output is not active.
    /// </summary>
    public void Write(int output, torch.Tensor values)
    {
        var target = _values[output];
        if (target is null) return;
        if (values.numel() != target.Length)
            throw new InvalidOperationException(
                $"Output '{_columns[output].Name}' needs {Count} x {_columns[output].Size} values; the tensor of shape " +
                $"[{string.Join(", ", values.shape)}] has {values.numel()}.");
        using var cpu = values.detach().to(torch.float32, torch.CPU).contiguous();
        cpu.data<float>().CopyTo(target);
    }

    internal float[] Values(int output) => _values[output] ?? throw new InvalidOperationException($"Output '{_columns[output].Name}' is not active.");
}
