using System.Text;

namespace Dsno.Models;

/// <summary>
/// Reads and writes named float32 tensors. Loading fills tensors that already exist (built from the model's options), so a file can
/// never make us allocate more than the architecture itself needs: every name, shape and length is checked against the target first.
/// Format: "DSNOWTS1", count, then per tensor: name (UTF-8, length-prefixed), rank, dims (int64), raw little-endian float32 data.
/// </summary>
public static class WeightFile
{
    private static readonly byte[] Magic = "DSNOWTS1"u8.ToArray();
    private const int MaxNameBytes = 1024;
    private const int MaxRank = 8;

    /// <summary>Writes the tensors (copied to CPU float32) in the given order.</summary>
    public static void Write(BinaryWriter writer, IReadOnlyList<(string Name, Tensor Value)> tensors)
    {
        writer.Write(Magic);
        writer.Write(tensors.Count);
        foreach (var (name, value) in tensors)
        {
            byte[] nameBytes = Encoding.UTF8.GetBytes(name);
            writer.Write(nameBytes.Length);
            writer.Write(nameBytes);
            writer.Write(value.shape.Length);
            foreach (long d in value.shape) writer.Write(d);
            using var scope = torch.NewDisposeScope();
            var cpu = value.detach().to(ScalarType.Float32, CPU).contiguous();
            var data = cpu.data<float>().ToArray();
            var bytes = new byte[data.Length * sizeof(float)];
            Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
            writer.Write(bytes);
        }
    }

    /// <summary>Writes a module's state (parameters and buffers) in its state_dict order.</summary>
    public static void Write(BinaryWriter writer, nn.Module module) =>
        Write(writer, module.state_dict().Select(kv => (kv.Key, kv.Value)).ToList());

    /// <summary>
    /// Reads a file written by <see cref="Write(BinaryWriter, IReadOnlyList{ValueTuple{string, Tensor}})"/> into <paramref name="targets"/>:
    /// the names must be exactly the targets' names and every shape must match. Throws <see cref="InvalidDataException"/> otherwise.
    /// </summary>
    public static void ReadInto(BinaryReader reader, IReadOnlyDictionary<string, Tensor> targets, string what = "weights")
    {
        try
        {
            var magic = reader.ReadBytes(Magic.Length);
            if (!magic.AsSpan().SequenceEqual(Magic)) throw new InvalidDataException($"{what}: not a Dsno weight block (bad magic)");
            int count = reader.ReadInt32();
            if (count != targets.Count)
                throw new InvalidDataException($"{what}: holds {count} tensors but the model has {targets.Count}");
            var seen = new HashSet<string>();
            using var noGrad = torch.no_grad();
            for (int i = 0; i < count; i++)
            {
                int nameLength = reader.ReadInt32();
                if (nameLength <= 0 || nameLength > MaxNameBytes) throw new InvalidDataException($"{what}: tensor {i} has a bad name length {nameLength}");
                string name = Encoding.UTF8.GetString(ReadExactly(reader, nameLength, what));
                if (!targets.TryGetValue(name, out var target)) throw new InvalidDataException($"{what}: unexpected tensor '{name}'");
                if (!seen.Add(name)) throw new InvalidDataException($"{what}: tensor '{name}' appears twice");
                int rank = reader.ReadInt32();
                if (rank < 0 || rank > MaxRank || rank != target.shape.Length)
                    throw new InvalidDataException($"{what}: tensor '{name}' has rank {rank}, expected {target.shape.Length}");
                for (int d = 0; d < rank; d++)
                {
                    long dim = reader.ReadInt64();
                    if (dim != target.shape[d])
                        throw new InvalidDataException($"{what}: tensor '{name}' has shape mismatch at dim {d}: {dim} vs {target.shape[d]}");
                }
                long elements = target.numel();
                var bytes = ReadExactly(reader, checked((int)(elements * sizeof(float))), what);
                var data = new float[elements];
                Buffer.BlockCopy(bytes, 0, data, 0, bytes.Length);
                // Every number that reaches torch from a file is finite: a damaged file is refused here, not met as NaN later.
                int bad = Array.FindIndex(data, v => !float.IsFinite(v));
                if (bad >= 0) throw new InvalidDataException($"{what}: tensor '{name}' holds a non-finite value ({data[bad]}) at element {bad}");
                using var source = torch.tensor(data, target.shape);
                target.copy_(source);
            }
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{what}: truncated", e);
        }
    }

    /// <summary>Reads into a module's state (parameters and buffers).</summary>
    public static void ReadInto(BinaryReader reader, nn.Module module, string what = "weights") =>
        ReadInto(reader, module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value), what);

    private static byte[] ReadExactly(BinaryReader reader, int count, string what)
    {
        var bytes = reader.ReadBytes(count);
        if (bytes.Length != count) throw new InvalidDataException($"{what}: truncated");
        return bytes;
    }
}
