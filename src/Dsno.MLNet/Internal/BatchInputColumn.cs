namespace Dsno.MLNet.Internal;

/// <summary>What a batched mapping reads from one input column.</summary>
internal enum BatchInputKind
{
    /// <summary>A known-size vector of <see cref="float"/>, gathered row after row into one flat array.</summary>
    FloatVector,

    /// <summary>
    /// A scalar integer: <see cref="int"/>, <see cref="uint"/>, <see cref="long"/> or a key type. Key values become
    /// zero-based (key value minus one) and a missing key (0) becomes -1.
    /// </summary>
    Integer,

    /// <summary>A scalar <see cref="float"/> or <see cref="double"/> (a guidance scale, for example), read as a float.</summary>
    Float,
}

/// <summary>An input column of a <see cref="BatchedMapping"/>: its name, kind and, for vectors, the expected shape.</summary>
internal sealed class BatchInputColumn
{
    private BatchInputColumn(string name, BatchInputKind kind, int[] dimensions)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("A column name cannot be null or empty.", nameof(name));
        Name = name;
        Kind = kind;
        Dimensions = dimensions;
        Size = dimensions.Aggregate(1, (a, d) => checked(a * d));
    }

    /// <summary>The column name in the input schema.</summary>
    public string Name { get; }

    /// <summary>What is read.</summary>
    public BatchInputKind Kind { get; }

    /// <summary>Expected dimensions of a vector column (for example <c>[C, H, W]</c>); empty for a scalar.</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>Values per row: the product of <see cref="Dimensions"/> (1 for a scalar).</summary>
    public int Size { get; }

    /// <summary>
    /// A float vector column with the given dimensions. The column must hold exactly that many values; when it declares several
    /// dimensions of its own, they must be these.
    /// </summary>
    public static BatchInputColumn FloatVector(string name, params int[] dimensions)
    {
        if (dimensions is null || dimensions.Length == 0 || dimensions.Any(d => d <= 0))
            throw new ArgumentOutOfRangeException(nameof(dimensions), $"Column '{name}' needs one or more positive dimensions.");
        return new BatchInputColumn(name, BatchInputKind.FloatVector, (int[])dimensions.Clone());
    }

    /// <summary>A scalar integer or key column (a class label, for example).</summary>
    public static BatchInputColumn Integer(string name) => new(name, BatchInputKind.Integer, Array.Empty<int>());

    /// <summary>A scalar float or double column.</summary>
    public static BatchInputColumn Float(string name) => new(name, BatchInputKind.Float, Array.Empty<int>());
}
