namespace Dsno.MLNet.Internal;

/// <summary>
/// A data view that passes its source's rows through unchanged and adds one text annotation to one column, so that whatever saves the
/// view (an <c>.idv</c> file keeps column annotations) records it beside the data.
/// </summary>
internal sealed class AnnotatedDataView : IDataView
{
    private readonly IDataView _source;

    /// <summary>Adds the annotation <paramref name="kind"/> = <paramref name="text"/> to the column <paramref name="column"/> of <paramref name="source"/>.</summary>
    public AnnotatedDataView(IDataView source, string column, string kind, string text)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(text);
        var target = source.Schema.GetColumnOrNull(column) ?? throw new ArgumentException($"no column '{column}' to annotate", nameof(column));
        _source = source;
        var builder = new DataViewSchema.Builder();
        foreach (var c in source.Schema)
        {
            var annotations = new DataViewSchema.Annotations.Builder();
            annotations.Add(c.Annotations, name => c.Index != target.Index || name != kind);
            if (c.Index == target.Index)
            {
                var value = text.AsMemory();
                annotations.Add(kind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = value);
            }
            builder.AddColumn(c.Name, c.Type, annotations.ToAnnotations());
        }
        Schema = builder.ToSchema();
    }

    /// <inheritdoc/>
    public DataViewSchema Schema { get; }

    /// <inheritdoc/>
    public bool CanShuffle => _source.CanShuffle;

    /// <inheritdoc/>
    public long? GetRowCount() => _source.GetRowCount();

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, _source.GetRowCursor(SourceColumns(columnsNeeded), rand));

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        _source.GetRowCursorSet(SourceColumns(columnsNeeded), n, rand).Select(c => (DataViewRowCursor)new Cursor(this, c)).ToArray();

    private IEnumerable<DataViewSchema.Column> SourceColumns(IEnumerable<DataViewSchema.Column> columns) =>
        columns.Select(c => _source.Schema[c.Index]).ToList();

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly AnnotatedDataView _view;
        private readonly DataViewRowCursor _source;

        public Cursor(AnnotatedDataView view, DataViewRowCursor source)
        {
            _view = view;
            _source = source;
        }

        public override DataViewSchema Schema => _view.Schema;
        public override long Position => _source.Position;
        public override long Batch => _source.Batch;
        public override bool MoveNext() => _source.MoveNext();
        public override bool IsColumnActive(DataViewSchema.Column column) => _source.IsColumnActive(_source.Schema[column.Index]);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _source.GetGetter<TValue>(_source.Schema[column.Index]);
        public override ValueGetter<DataViewRowId> GetIdGetter() => _source.GetIdGetter();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _source.Dispose();
            base.Dispose(disposing);
        }
    }
}
