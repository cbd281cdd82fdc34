namespace Dsno.MLNet.Internal;

/// <summary>
/// A lazy view with the rows of its input and more columns, each row's new values depending on that row alone: it has the input's row
/// count and can shuffle whenever its input can. A derived view gives the schema and the cursors.
/// </summary>
internal abstract class RowwiseDataView : IDataView
{
    private protected RowwiseDataView(IDataView input) => Input = input;

    /// <summary>The view whose rows this one has.</summary>
    private protected IDataView Input { get; }

    /// <inheritdoc/>
    public abstract DataViewSchema Schema { get; }

    /// <summary>Rows are mapped independently, so the view can shuffle whenever its input can.</summary>
    public bool CanShuffle => Input.CanShuffle;

    /// <inheritdoc/>
    public long? GetRowCount() => Input.GetRowCount();

    /// <inheritdoc/>
    public abstract DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null);

    /// <inheritdoc/>
    public abstract DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null);
}
