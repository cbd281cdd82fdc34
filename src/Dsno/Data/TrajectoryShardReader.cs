namespace Dsno.Data;

/// <summary>
/// Reads one trajectory shard written by <see cref="TrajectoryShardWriter"/>. Opening checks every header field against bounds and
/// the file length against the announced record count before anything is allocated, and (by default) verifies the checksum.
/// Records are read on demand, so memory does not depend on the shard size.
/// </summary>
public sealed class TrajectoryShardReader : IDisposable
{
    private readonly FileStream _stream;
    private readonly long _dataStart;
    private readonly long _recordSize;
    private readonly object _gate = new();

    private TrajectoryShardReader(string path, FileStream stream, TrajectoryLayout layout, TrajectoryShardInfo info, long dataStart)
    {
        Path = path;
        _stream = stream;
        Layout = layout;
        Info = info;
        _dataStart = dataStart;
        _recordSize = TrajectoryShardFormat.RecordSize(layout);
    }

    /// <summary>The shard file.</summary>
    public string Path { get; }
    /// <summary>Record shape.</summary>
    public TrajectoryLayout Layout { get; }
    /// <summary>Record range and provenance.</summary>
    public TrajectoryShardInfo Info { get; }

    /// <summary>Opens and validates a shard. Throws <see cref="InvalidDataException"/> naming the file and the problem.</summary>
    public static TrajectoryShardReader Open(string path, bool verifyChecksum = true)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"trajectory shard '{path}' not found", path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            var (layout, info) = TrajectoryShardFormat.ReadHeader(reader, path);
            long dataStart = stream.Position;
            long recordSize = TrajectoryShardFormat.RecordSize(layout);
            long expected;
            try { expected = checked(dataStart + info.Count * recordSize + TrajectoryShardFormat.FooterSize); }
            catch (OverflowException) { throw TrajectoryShardFormat.Bad(path, $"record count {info.Count} is impossible"); }
            if (stream.Length != expected)
                throw TrajectoryShardFormat.Bad(path, $"file is {stream.Length} bytes but {info.Count} records need {expected} (truncated or padded)");
            stream.Position = expected - TrajectoryShardFormat.FooterSize;
            ulong storedHash = reader.ReadUInt64();
            if (!reader.ReadBytes(8).AsSpan().SequenceEqual(TrajectoryShardFormat.EndMagic)) throw TrajectoryShardFormat.Bad(path, "missing end marker");
            if (verifyChecksum)
            {
                stream.Position = dataStart;
                ulong hash = TrajectoryShardFormat.FnvOffset;
                var buffer = new byte[1 << 20];
                long left = info.Count * recordSize;
                while (left > 0)
                {
                    int n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                    if (n <= 0) throw TrajectoryShardFormat.Bad(path, "truncated records");
                    hash = TrajectoryShardFormat.Fnv1a(hash, buffer.AsSpan(0, n));
                    left -= n;
                }
                if (hash != storedHash) throw TrajectoryShardFormat.Bad(path, "checksum mismatch: the records are corrupt");
            }
            return new TrajectoryShardReader(path, stream, layout, info, dataStart);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads records [offset, offset + count) of this shard (offsets are within the shard).</summary>
    public TrajectoryBatch Read(long offset, int count)
    {
        if (offset < 0 || count < 0 || offset + count > Info.Count) throw new ArgumentOutOfRangeException(nameof(offset), $"records {offset}..{offset + count} outside the shard's {Info.Count}");
        int image = Layout.ImageSize, frames = Layout.FrameCount;
        var bytes = new byte[count * _recordSize];
        lock (_gate)
        {
            _stream.Position = _dataStart + offset * _recordSize;
            _stream.ReadExactly(bytes);
        }
        var noise = new float[count * image];
        var traj = new float[count * image * frames];
        var labels = Layout.HasLabels ? new long[count] : null;
        for (int i = 0; i < count; i++)
        {
            long at = i * _recordSize;
            Buffer.BlockCopy(bytes, (int)at, noise, i * image * 4, image * 4);
            Buffer.BlockCopy(bytes, (int)at + image * 4, traj, i * image * frames * 4, image * frames * 4);
            if (labels is not null)
            {
                int label = BitConverter.ToInt32(bytes, (int)(at + _recordSize - 4));
                if (label < 0 || label >= Layout.ClassCount) throw TrajectoryShardFormat.Bad(Path, $"record {Info.FirstIndex + offset + i}: label {label} outside 0..{Layout.ClassCount - 1}");
                labels[i] = label;
            }
        }
        var batch = new TrajectoryBatch(
            TensorFactory.Owned(noise, count, Layout.Channels, Layout.Height, Layout.Width),
            TensorFactory.Owned(traj, count, frames, Layout.Channels, Layout.Height, Layout.Width),
            labels is null ? null : torch.tensor(labels),
            Info.FirstIndex + offset);
        batch.CheckFinite($"trajectory shard '{Path}'");
        return batch;
    }

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();
}
