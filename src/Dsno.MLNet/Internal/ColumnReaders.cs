namespace Dsno.MLNet.Internal;

/// <summary>Getters that read our input columns from a row or cursor in the forms ML.NET users have them.</summary>
internal static class ColumnReaders
{
    /// <summary>
    /// A getter of a class label as a zero-based index from a key (1-based in ML.NET, 0 = missing), int or uint column.
    /// A missing key or a negative value throws <see cref="InvalidDataException"/> naming the column.
    /// </summary>
    public static Func<long> Label(DataViewRow row, DataViewSchema.Column column)
    {
        var type = column.Type;
        if (type is KeyDataViewType)
        {
            var get = Value<uint>(row, column);
            return () =>
            {
                uint v = get();
                return v != 0 ? v - 1 : throw new InvalidDataException($"column '{column.Name}': row {row.Position} has a missing key");
            };
        }
        if (type == NumberDataViewType.Int32)
        {
            var get = Value<int>(row, column);
            return () =>
            {
                int v = get();
                return v >= 0 ? v : throw new InvalidDataException($"column '{column.Name}': row {row.Position} has the negative label {v}");
            };
        }
        if (type == NumberDataViewType.UInt32)
        {
            var get = Value<uint>(row, column);
            return () => get();
        }
        throw new ArgumentOutOfRangeException(nameof(column), $"column '{column.Name}' has type {type}; a label must be a key, Int32 or UInt32");
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

    /// <summary>The smallest and largest value of a float or double column (one pass); throws on a non-finite or negative guidance scale.</summary>
    public static (double Min, double Max) GuidanceRange(IDataView view, DataViewSchema.Column column)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        using var cursor = view.GetRowCursor(new[] { column });
        var get = Float(cursor, column);
        while (cursor.MoveNext())
        {
            float w = get();
            if (!float.IsFinite(w) || w < 0)
                throw new InvalidDataException($"column '{column.Name}': row {cursor.Position} has the guidance scale {w}; it must be a finite number >= 0");
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
