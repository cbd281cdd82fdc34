namespace Dsno.MLNet.Internal;

/// <summary>
/// Holds the values of one passed-through input column for the rows of the current batch, so that a cursor which reads a batch
/// ahead can still serve the input columns of the row it is on.
/// </summary>
internal abstract class ColumnBatchCache
{
    /// <summary>A cache for <paramref name="column"/> of <paramref name="row"/>, holding up to <paramref name="capacity"/> rows.</summary>
    public static ColumnBatchCache Create(DataViewRow row, DataViewSchema.Column column, int capacity)
    {
        var type = column.Type is VectorDataViewType vector
            ? typeof(VectorCache<>).MakeGenericType(vector.ItemType.RawType)
            : typeof(ScalarCache<>).MakeGenericType(column.Type.RawType);
        return (ColumnBatchCache)Activator.CreateInstance(type, row, column, capacity)!;
    }

    /// <summary>Stores the value of the source row's current position in <paramref name="slot"/>.</summary>
    public abstract void Capture(int slot);

    /// <summary>A getter serving the value stored in slot <c>slot()</c>; <typeparamref name="TValue"/> must be the column's type.</summary>
    public abstract ValueGetter<TValue> GetGetter<TValue>(Func<int> slot, string columnName);

    /// <summary>Scalars (numbers, text as <see cref="ReadOnlyMemory{T}"/>, keys, ...): values are served as they are.</summary>
    private class ScalarCache<T>(DataViewRow row, DataViewSchema.Column column, int capacity) : ColumnBatchCache
    {
        private readonly ValueGetter<T> _source = row.GetGetter<T>(column);
        private readonly T[] _values = new T[capacity];

        public override void Capture(int slot) => _source(ref _values[slot]);

        public override ValueGetter<TValue> GetGetter<TValue>(Func<int> slot, string columnName)
        {
            if (typeof(TValue) != typeof(T))
                throw new InvalidOperationException($"Column '{columnName}' holds {typeof(T).Name} values; a getter of {typeof(TValue).Name} was asked for.");
            ValueGetter<T> getter = (ref T dst) => Serve(_values[slot()], ref dst);
            return (ValueGetter<TValue>)(Delegate)getter;
        }

        protected virtual void Serve(T stored, ref T dst) => dst = stored;
    }

    /// <summary>Vectors: each slot owns its buffer; readers get a copy, so they may keep or change it.</summary>
    private sealed class VectorCache<TItem>(DataViewRow row, DataViewSchema.Column column, int capacity)
        : ScalarCache<VBuffer<TItem>>(row, column, capacity)
    {
        protected override void Serve(VBuffer<TItem> stored, ref VBuffer<TItem> dst) => stored.CopyTo(ref dst);
    }
}
