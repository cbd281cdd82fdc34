using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Bench;

/// <summary>A float32 tensor on disk: magic, rank, shape, then the values (little-endian), written atomically.</summary>
public static class TensorFile
{
    private const string Magic = "DSNOBTF1";

    /// <summary>Writes a float32 tensor.</summary>
    public static void Write(string path, Tensor tensor)
    {
        using var cpu = tensor.to(ScalarType.Float32).cpu().contiguous();
        string temporary = path + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temporary)))
        {
            writer.Write(System.Text.Encoding.ASCII.GetBytes(Magic));
            writer.Write(cpu.shape.Length);
            foreach (long d in cpu.shape) writer.Write(d);
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(cpu.data<float>().ToArray().AsSpan()));
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a tensor written by <see cref="Write"/>.</summary>
    public static Tensor Read(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        if (System.Text.Encoding.ASCII.GetString(reader.ReadBytes(Magic.Length)) != Magic) throw new InvalidDataException($"{path} is not a tensor file");
        int rank = reader.ReadInt32();
        if (rank < 1 || rank > 8) throw new InvalidDataException($"{path}: bad rank {rank}");
        var shape = new long[rank];
        for (int i = 0; i < rank; i++) shape[i] = reader.ReadInt64();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var bytes = reader.ReadBytes(checked((int)(count * sizeof(float))));
        if (bytes.Length != count * sizeof(float)) throw new InvalidDataException($"{path} is truncated");
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        return torch.tensor(values, shape);
    }
}
