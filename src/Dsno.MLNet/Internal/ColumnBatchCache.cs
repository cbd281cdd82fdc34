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

    /// <summary>Scalars (numbers, text as <see cref="ReadOnlyMemory{T}"/>, keys, ...): values are copied as they are.</summary>
    private sealed class ScalarCache<T> : ColumnBatchCache
    {
        private readonly ValueGetter<T> _source;
        private readonly T[] _values;

        public ScalarCache(DataViewRow row, DataViewSchema.Column column, int capacity)
        {
            _source = row.GetGetter<T>(column);
            _values = new T[capacity];
        }

        public override void Capture(int slot) => _source(ref _values[slot]);

        public override ValueGetter<TValue> GetGetter<TValue>(Func<int> slot, string columnName)
        {
            if (typeof(TValue) != typeof(T)) throw WrongType(columnName, typeof(TValue), typeof(T));
            ValueGetter<T> getter = (ref T dst) => dst = _values[slot()];
            return (ValueGetter<TValue>)(Delegate)getter;
        }
    }

    /// <summary>Vectors: each slot owns its buffer; readers get a copy, so they may keep or change it.</summary>
    private sealed class VectorCache<TItem> : ColumnBatchCache
    {
        private readonly ValueGetter<VBuffer<TItem>> _source;
        private readonly VBuffer<TItem>[] _values;

        public VectorCache(DataViewRow row, DataViewSchema.Column column, int capacity)
        {
            _source = row.GetGetter<VBuffer<TItem>>(column);
            _values = new VBuffer<TItem>[capacity];
        }

        public override void Capture(int slot) => _source(ref _values[slot]);

        public override ValueGetter<TValue> GetGetter<TValue>(Func<int> slot, string columnName)
        {
            if (typeof(TValue) != typeof(VBuffer<TItem>)) throw WrongType(columnName, typeof(TValue), typeof(VBuffer<TItem>));
            ValueGetter<VBuffer<TItem>> getter = (ref VBuffer<TItem> dst) => _values[slot()].CopyTo(ref dst);
            return (ValueGetter<TValue>)(Delegate)getter;
        }
    }

    private static InvalidOperationException WrongType(string column, Type asked, Type actual) =>
        new($"Column '{column}' holds {actual.Name} values; a getter of {asked.Name} was asked for.");
}
