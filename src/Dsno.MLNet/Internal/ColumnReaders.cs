namespace Dsno.MLNet.Internal;

/// <summary>Getters that read our input columns from a cursor in the forms ML.NET users have them.</summary>
internal static class ColumnReaders
{
    /// <summary>
    /// A getter of a class label as a zero-based index from a key (1-based in ML.NET, 0 = missing), int or uint column.
    /// A missing key or a negative value throws <see cref="InvalidDataException"/> naming the column.
    /// </summary>
    public static Func<long> Label(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var type = column.Type;
        if (type is KeyDataViewType)
        {
            var get = cursor.GetGetter<uint>(column);
            return () =>
            {
                uint v = 0;
                get(ref v);
                if (v == 0) throw new InvalidDataException($"column '{column.Name}': row {cursor.Position} has a missing key");
                return v - 1;
            };
        }
        if (type == NumberDataViewType.Int32)
        {
            var get = cursor.GetGetter<int>(column);
            return () =>
            {
                int v = 0;
                get(ref v);
                if (v < 0) throw new InvalidDataException($"column '{column.Name}': row {cursor.Position} has the negative label {v}");
                return v;
            };
        }
        if (type == NumberDataViewType.UInt32)
        {
            var get = cursor.GetGetter<uint>(column);
            return () =>
            {
                uint v = 0;
                get(ref v);
                return v;
            };
        }
        throw new ArgumentOutOfRangeException(nameof(column), $"column '{column.Name}' has type {type}; a label must be a key, Int32 or UInt32");
    }

    /// <summary>The number of classes a label column announces (a key's count), or 0 when it does not say.</summary>
    public static int DeclaredClassCount(DataViewSchema.Column column) =>
        column.Type is KeyDataViewType key && key.Count is > 0 and <= int.MaxValue ? (int)key.Count : 0;

    /// <summary>A getter that copies a float vector column's values into a span, checking the size.</summary>
    public static Action<Span<float>> FloatVector(DataViewRowCursor cursor, DataViewSchema.Column column, int size)
    {
        var get = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> buffer = default;
        return destination =>
        {
            get(ref buffer);
            if (buffer.Length != size) throw new InvalidDataException($"column '{column.Name}': row {cursor.Position} has {buffer.Length} values, expected {size}");
            buffer.CopyTo(destination);
        };
    }

    /// <summary>Rows of a view, counting them with a cursor when the view does not know.</summary>
    public static Func<float> Float(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        if (column.Type.RawType == typeof(double))
        {
            var getDouble = cursor.GetGetter<double>(column);
            double d = 0;
            return () => { getDouble(ref d); return (float)d; };
        }
        var getter = cursor.GetGetter<float>(column);
        float value = 0;
        return () => { getter(ref value); return value; };
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
