using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dsno.Models;

/// <summary>
/// The start of every Dsno model stream: an 8-byte magic naming the model kind, a format version, and a small JSON document with
/// the options needed to rebuild the network before its weights are read. Bounded: the JSON may not exceed 64 KiB.
/// </summary>
internal static class ModelFileHeader
{
    public const int FormatVersion = 1;
    private const int MaxJsonBytes = 64 * 1024;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = false,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static void Write<T>(BinaryWriter writer, string magic, T payload)
    {
        writer.Write(Encoding.ASCII.GetBytes(magic));
        writer.Write(FormatVersion);
        var json = JsonSerializer.SerializeToUtf8Bytes(payload, Json);
        writer.Write(json.Length);
        writer.Write(json);
    }

    public static T Read<T>(BinaryReader reader, string magic, string what)
    {
        try
        {
            var m = reader.ReadBytes(magic.Length);
            if (Encoding.ASCII.GetString(m) != magic)
                throw new InvalidDataException($"{what}: not a {magic} stream (found '{Encoding.ASCII.GetString(m)}')");
            int version = reader.ReadInt32();
            if (version != FormatVersion) throw new InvalidDataException($"{what}: format version {version} is not supported (this build reads {FormatVersion})");
            int length = reader.ReadInt32();
            if (length <= 0 || length > MaxJsonBytes) throw new InvalidDataException($"{what}: header length {length} out of range");
            var bytes = reader.ReadBytes(length);
            if (bytes.Length != length) throw new InvalidDataException($"{what}: truncated header");
            try
            {
                return JsonSerializer.Deserialize<T>(bytes, Json) ?? throw new InvalidDataException($"{what}: empty header");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{what}: malformed header ({e.Message})", e);
            }
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{what}: truncated", e);
        }
    }

    /// <summary>Writes a whole model to a stream, which stays open: the header, then the network's weights.</summary>
    public static void Save<T>(Stream stream, string magic, T header, TorchSharp.torch.nn.Module network)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        Write(writer, magic, header);
        Models.WeightFile.Write(writer, network);
    }

    /// <summary>
    /// Reads a model written by <see cref="Save"/>: the header, the model that <paramref name="create"/> builds from it (an
    /// <see cref="ArgumentException"/> there means a bad header), then the weights of its <paramref name="network"/>; a model whose
    /// weights cannot be read is disposed. Throws <see cref="InvalidDataException"/> on anything malformed.
    /// </summary>
    public static TModel Load<THeader, TModel>(Stream stream, string magic, string what, Func<THeader, TModel> create,
        Func<TModel, TorchSharp.torch.nn.Module> network) where TModel : IDisposable
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        var header = Read<THeader>(reader, magic, what);
        TModel model;
        try { model = create(header); }
        catch (ArgumentException e) { throw new InvalidDataException($"{what}: {e.Message}", e); }
        try
        {
            Models.WeightFile.ReadInto(reader, network(model), what);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
