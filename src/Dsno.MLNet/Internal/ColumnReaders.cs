namespace Dsno.MLNet.Internal;

/// <summary>Getters that read our input columns from a row or cursor in the forms ML.NET users have them.</summary>
internal static class ColumnReaders
{
    /// <summary>
    /// A getter of a class label as a zero-based index from a key (1-based in ML.NET, 0 = missing) or integer column (see
    /// <see cref="Integer"/>). A missing key or a negative value throws <see cref="InvalidDataException"/> naming the column.
    /// </summary>
    public static Func<long> Label(DataViewRow row, DataViewSchema.Column column)
    {
        var get = Integer(row, column);
        return () =>
        {
            long v = get();
            return v >= 0 ? v : throw new InvalidDataException(column.Type is KeyDataViewType
                ? $"column '{column.Name}': row {row.Position} has a missing key"
                : $"column '{column.Name}': row {row.Position} has the negative label {v}");
        };
    }

    /// <summary>
    /// A getter of a scalar <see cref="int"/>, <see cref="uint"/>, <see cref="long"/> or key column as a long. Key values become
    /// zero-based (key value minus one; a <see cref="ulong"/> key beyond <see cref="long.MaxValue"/> reads as it) and a missing key (0)
    /// becomes -1.
    /// </summary>
    /// <exception cref="InvalidOperationException">The column is of another type.</exception>
    public static Func<long> Integer(DataViewRow row, DataViewSchema.Column column) => column.Type switch
    {
        KeyDataViewType { RawType: var raw } when raw == typeof(uint) => Map<uint>(row, column, v => v - 1L),
        KeyDataViewType { RawType: var raw } when raw == typeof(ushort) => Map<ushort>(row, column, v => v - 1L),
        KeyDataViewType { RawType: var raw } when raw == typeof(byte) => Map<byte>(row, column, v => v - 1L),
        KeyDataViewType { RawType: var raw } when raw == typeof(ulong) => Map<ulong>(row, column, v => v == 0 ? -1 : (long)Math.Min(v - 1, long.MaxValue)),
        { RawType: var raw } when raw == typeof(int) => Map<int>(row, column, v => v),
        { RawType: var raw } when raw == typeof(uint) => Map<uint>(row, column, v => v),
        { RawType: var raw } when raw == typeof(long) => Map<long>(row, column, v => v),
        _ => throw new InvalidOperationException($"Column '{column.Name}' of type {column.Type} cannot be read as an integer."),
    };

    private static Func<long> Map<T>(DataViewRow row, DataViewSchema.Column column, Func<T, long> convert)
    {
        var get = Value<T>(row, column);
        return () => convert(get());
    }

    /// <summary>The number of classes a label column announces (a key's count), or 0 when it does not say.</summary>
    public static int DeclaredClassCount(DataViewSchema.Column column) =>
        column.Type is KeyDataViewType key && key.Count is > 0 and <= int.MaxValue ? (int)key.Count : 0;

    /// <summary>A getter that copies a float vector column's values into a span (densifying sparse rows), checking the size.</summary>
    public static Action<Span<float>> FloatVector(DataViewRow row, DataViewSchema.Column column, int size)
    {
        var get = row.GetGetter<VBuffer<float>>(column);
        VBuffer<float> buffer = default;
        return destination =>
        {
            get(ref buffer);
            if (buffer.Length != size) throw new InvalidDataException($"column '{column.Name}': row {row.Position} has {buffer.Length} values, expected {size}");
            buffer.CopyTo(destination);
        };
    }

    /// <summary>A getter of a float or double scalar column, as a float.</summary>
    public static Func<float> Float(DataViewRow row, DataViewSchema.Column column)
    {
        if (column.Type.RawType != typeof(double)) return Value<float>(row, column);
        var get = Value<double>(row, column);
        return () => (float)get();
    }

    /// <summary>A getter of a scalar column of raw type <typeparamref name="T"/> that returns each value.</summary>
    public static Func<T> Value<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var get = row.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            get(ref value);
            return value;
        };
    }

    /// <summary>A getter of a per-row guidance scale (see <see cref="Float"/>); a non-finite or negative one throws <see cref="InvalidDataException"/>.</summary>
    public static Func<float> Guidance(DataViewRow row, DataViewSchema.Column column)
    {
        var get = Float(row, column);
        return () =>
        {
            float w = get();
            return float.IsFinite(w) && w >= 0 ? w
                : throw new InvalidDataException($"column '{column.Name}': row {row.Position} has the guidance scale {w}; it must be a finite number >= 0");
        };
    }

    /// <summary>The smallest and largest value of a guidance column (one pass, each value checked by <see cref="Guidance"/>).</summary>
    public static (double Min, double Max) GuidanceRange(IDataView view, DataViewSchema.Column column)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        using var cursor = view.GetRowCursor(new[] { column });
        var get = Guidance(cursor, column);
        while (cursor.MoveNext())
        {
            float w = get();
            min = Math.Min(min, w);
            max = Math.Max(max, w);
        }
        if (min > max) throw new InvalidOperationException("the training data has no rows");
        return (min, max);
    }

    /// <summary>Rows of a view, counting them with a cursor when the view does not know.</summary>
    public static long RowCount(IDataView view)
    {
        long? known = view.GetRowCount();
        if (known is { } n) return n;
        long count = 0;
        using var cursor = view.GetRowCursor(Array.Empty<DataViewSchema.Column>());
        while (cursor.MoveNext()) count++;
        return count;
    }
}
