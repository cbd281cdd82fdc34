namespace Dsno.Data;

/// <summary>
/// Writes one trajectory shard. Records go to a temporary file next to the target; <see cref="Complete"/> writes the checksum,
/// flushes to disk and renames the file into place, so a shard file either exists whole or not at all. Disposing without
/// completing deletes the temporary file.
/// </summary>
public sealed class TrajectoryShardWriter : IDisposable
{
    private readonly string _path;
    private readonly TrajectoryLayout _layout;
    private readonly TrajectoryShardInfo _info;
    private readonly AtomicFile _file;
    private readonly BinaryWriter _writer;
    private ulong _hash = TrajectoryShardFormat.FnvOffset;
    private long _written;
    private bool _completed;

    /// <summary>Starts a shard at <paramref name="path"/> that will hold exactly <see cref="TrajectoryShardInfo.Count"/> records.</summary>
    public TrajectoryShardWriter(string path, TrajectoryLayout layout, TrajectoryShardInfo info)
    {
        _path = Path.GetFullPath(path);
        _layout = layout;
        _info = info;
        AtomicFile.DeleteLeftovers(_path); // of a run killed while writing this shard
        _file = new AtomicFile(_path);
        _writer = new BinaryWriter(_file.Stream);
        TrajectoryShardFormat.WriteHeader(_writer, layout, info);
    }

    /// <summary>Appends the records of a batch (in order). NaN or infinite values are refused with the record's index.</summary>
    public void Append(TrajectoryBatch batch)
    {
        if (_completed) throw new InvalidOperationException("the shard is already complete");
        if (_written + batch.Count > _info.Count) throw new InvalidOperationException($"shard '{_path}' holds {_info.Count} records; appending {batch.Count} more than fits");
        batch.CheckFinite($"trajectory shard '{_path}'");
        int image = _layout.ImageSize, frames = _layout.FrameCount;
        if (batch.Noise.shape[1] * batch.Noise.shape[2] * batch.Noise.shape[3] != image || batch.Frames.shape[1] != frames)
            throw new ArgumentException($"batch does not match the shard layout ({frames} frames of {image} values)");
        if (_layout.HasLabels != (batch.Labels is not null)) throw new ArgumentException(_layout.HasLabels ? "labels are required" : "this shard has no labels");

        float[] noise = batch.Noise.to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
        float[] traj = batch.Frames.to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
        long[]? labels = batch.Labels?.to(ScalarType.Int64, CPU).data<long>().ToArray();
        var record = new byte[TrajectoryShardFormat.RecordSize(_layout)];
        for (int i = 0; i < batch.Count; i++)
        {
            Buffer.BlockCopy(noise, i * image * 4, record, 0, image * 4);
            Buffer.BlockCopy(traj, i * image * frames * 4, record, image * 4, image * frames * 4);
            if (labels is not null)
            {
                long label = labels[i];
                if (label < 0 || label >= _layout.ClassCount) throw new InvalidDataException($"record {_info.FirstIndex + _written + i}: label {label} outside 0..{_layout.ClassCount - 1}");
                BitConverter.TryWriteBytes(record.AsSpan(record.Length - 4), (int)label);
            }
            _hash = TrajectoryShardFormat.Fnv1a(_hash, record);
            _writer.Write(record);
        }
        _written += batch.Count;
    }

    /// <summary>Finishes the shard: checksum, flush to disk, atomic rename. Throws if fewer records than announced were written.</summary>
    public void Complete()
    {
        if (_written != _info.Count) throw new InvalidOperationException($"shard '{_path}' announced {_info.Count} records but {_written} were written");
        _writer.Write(_hash);
        _writer.Write(TrajectoryShardFormat.EndMagic);
        _writer.Flush();
        _file.Commit();
        _completed = true;
    }

    /// <inheritdoc/>
    public void Dispose() => _file.Dispose();
}
