namespace Dsno.MLNet.Internal;

/// <summary>
/// Several data views with the same schema read as one, row after row, streaming (ML.NET's binary loader reads one file). With a
/// random source (shuffled training), the parts are visited in a random order, each shuffled on its own, and rows are drawn from a
/// window of up to <see cref="ShuffleWindow"/> open parts with probability proportional to their rows left, so a batch mixes rows of
/// several files while memory stays bounded by the window, whatever the number of files.
/// </summary>
internal sealed class ConcatenatedDataView : IDataView
{
    /// <summary>Parts open at once while shuffling.</summary>
    public const int ShuffleWindow = 8;

    private readonly IDataView[] _parts;
    private readonly long[] _counts;

    /// <summary>Joins <paramref name="parts"/>; their column names and types must match the first's (checked by the caller).</summary>
    public ConcatenatedDataView(IReadOnlyList<IDataView> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("nothing to concatenate", nameof(parts));
        _parts = parts.ToArray();
        _counts = _parts.Select(p => p.GetRowCount() ?? -1).ToArray();
    }

    /// <inheritdoc/>
    public DataViewSchema Schema => _parts[0].Schema;

    /// <inheritdoc/>
    public bool CanShuffle => _counts.All(c => c >= 0) && _parts.All(p => p.CanShuffle);

    /// <inheritdoc/>
    public long? GetRowCount() => _counts.All(c => c >= 0) ? _counts.Sum() : null;

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded.Select(c => c.Index).ToHashSet(), CanShuffle ? rand : null);

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly ConcatenatedDataView _view;
        private readonly HashSet<int> _active;
        private readonly Random? _rand;
        private readonly DataViewRowCursor?[] _open;
        private readonly long[] _left;
        private readonly Dictionary<(DataViewRowCursor Cursor, int Column), Delegate> _getters = new();
        private DataViewRowCursor? _finished; // a part that served its last row: disposed when the cursor moves on
        private readonly List<int> _window = new();
        private int[]? _order;
        private int _nextInOrder;
        private int _current = -1;
        private long _position = -1;
        private bool _done;

        public Cursor(ConcatenatedDataView view, HashSet<int> active, Random? rand)
        {
            _view = view;
            _active = active;
            _rand = rand;
            _open = new DataViewRowCursor?[view._parts.Length];
            _left = view._counts.ToArray();
        }

        public override DataViewSchema Schema => _view.Schema;
        public override long Position => _position;
        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override bool MoveNext()
        {
            if (_done) return false;
            Release(ref _finished);
            bool moved = _rand is null ? MoveSequential() : MoveInterleaved(_rand);
            if (moved) _position++;
            else { _done = true; _current = -1; }
            return moved;
        }

        private bool MoveSequential()
        {
            while (true)
            {
                if (_current >= 0 && _open[_current] is { } cursor)
                {
                    if (cursor.MoveNext()) return true;
                    Release(ref _open[_current]);
                }
                if (++_current >= _view._parts.Length) return false;
                _open[_current] = Open(_current, null);
            }
        }

        private bool MoveInterleaved(Random rand)
        {
            _order ??= Enumerable.Range(0, _view._parts.Length).OrderBy(_ => rand.Next()).ToArray();
            while (_window.Count < ShuffleWindow && _nextInOrder < _order.Length)
            {
                int part = _order[_nextInOrder++];
                if (_left[part] > 0) _window.Add(part);
            }
            long total = _window.Sum(p => _left[p]);
            if (total <= 0) return false;
            // Draw a part of the window with probability proportional to its rows left.
            long pick = (long)(rand.NextDouble() * total);
            int slot = 0;
            while (pick >= _left[_window[slot]]) { pick -= _left[_window[slot]]; slot++; }
            int chosen = _window[slot];
            var cursor = _open[chosen] ??= Open(chosen, new Random(rand.Next()));
            if (!cursor.MoveNext())
                throw new InvalidDataException($"a trajectory file ended before the {_view._counts[chosen]} rows it declares");
            _left[chosen]--;
            _current = chosen;
            if (_left[chosen] == 0)
            {
                _finished = cursor;
                _open[chosen] = null;
                _window.RemoveAt(slot);
            }
            return true;
        }

        private DataViewRowCursor Open(int part, Random? rand)
        {
            var schema = _view._parts[part].Schema;
            var columns = _active.Select(i => schema[_view.Schema[i].Name]).ToList();
            return rand is null ? _view._parts[part].GetRowCursor(columns) : _view._parts[part].GetRowCursor(columns, rand);
        }

        private void Release(ref DataViewRowCursor? cursor)
        {
            if (cursor is not { } released) return;
            foreach (var key in _getters.Keys.Where(k => ReferenceEquals(k.Cursor, released)).ToList()) _getters.Remove(key);
            released.Dispose();
            cursor = null;
        }

        private DataViewRowCursor CurrentCursor =>
            (_current >= 0 ? _open[_current] ?? _finished : null) ?? throw new InvalidOperationException("the cursor is not on a row");

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column)) throw new InvalidOperationException($"column '{column.Name}' is not active");
            return (ref TValue value) =>
            {
                var cursor = CurrentCursor;
                if (!_getters.TryGetValue((cursor, column.Index), out var getter))
                    _getters[(cursor, column.Index)] = getter = cursor.GetGetter<TValue>(cursor.Schema[column.Name]);
                ((ValueGetter<TValue>)getter)(ref value);
            };
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                for (int i = 0; i < _open.Length; i++) Release(ref _open[i]);
                Release(ref _finished);
            }
            base.Dispose(disposing);
        }
    }
}
