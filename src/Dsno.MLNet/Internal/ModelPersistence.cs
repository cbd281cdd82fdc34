using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Dsno.MLNet.Internal;

/// <summary>
/// Saves a transformer into, and loads it from, its sub-model directory of an ML.NET model zip.
/// </summary>
/// <remarks>
/// <para>
/// Layout. The sub-model's main stream (<c>Model.key</c>, after ML.NET's own header) holds one header frame:
/// <c>magic "DSNOMLNT" | int32 format version | int32 payload length | payload | SHA-256 of payload</c>, where the payload holds the
/// writer's version, the loader signature, the options JSON, two lists of column names (written empty; files of earlier versions
/// list the input and output columns there, which nothing reads), the number of binary streams (1), and the weights
/// stream's name (<see cref="WeightsStreamName"/>), length and SHA-256. The weights are a zip entry of their own beside
/// <c>Model.key</c>: <c>magic "DSNOBLOB" | int64 length | bytes</c>. All integers are little-endian; strings are UTF-8 with an int32
/// byte count.
/// </para>
/// <para>
/// Loading checks every length against its bound before allocating (header at most <see cref="MaxHeaderBytes"/>, strings at most
/// <see cref="MaxStringBytes"/>, streams at most <see cref="MaxStreamBytes"/>) and against what the stream still holds, verifies
/// both checksums, and reports anything wrong as <see cref="InvalidDataException"/> (ML.NET itself reports a damaged sub-model
/// header, a wrong model signature or version as <see cref="FormatException"/>). It only ever reads data: no type named in the file
/// is instantiated and no code from the file runs; the options JSON is bound to a type the caller chooses. The checksums catch
/// damage, not forgery: whoever can write the file can recompute them.
/// </para>
/// </remarks>
internal static class ModelPersistence
{
    /// <summary>The layout version of the header frame written here.</summary>
    internal const int FormatVersion = 1;

    /// <summary>Upper bound on the header payload.</summary>
    internal const int MaxHeaderBytes = 1 << 20;

    /// <summary>The name of the weights' zip entry.</summary>
    internal const string WeightsStreamName = "Model";

    /// <summary>Upper bound on one string (a column or stream name, the writer's version).</summary>
    internal const int MaxStringBytes = 64 << 10;

    /// <summary>Upper bound on the weights: the largest byte array .NET allocates (about 2 GB).</summary>
    internal static readonly long MaxStreamBytes = Array.MaxLength;

    /// <summary>Upper bound on the number of column names in a header (written by older versions).</summary>
    internal const int MaxItems = 1024;

    private static readonly byte[] HeaderMagic = "DSNOMLNT"u8.ToArray();
    private static readonly byte[] StreamMagic = "DSNOBLOB"u8.ToArray();
    private const int HashBytes = 32;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly JsonSerializerOptions Json = new()
    {
        IncludeFields = true,
        MaxDepth = 32,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static string WriterVersion => typeof(ModelPersistence).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>
    /// Writes <paramref name="model"/> as the sub-model of <paramref name="ctx"/>: the header frame into the main stream and the
    /// weights into their own entry. Call from <c>ICanSaveModel.Save</c>, before writing anything else.
    /// </summary>
    internal static void Save(ModelSaveContext ctx, ModelKind kind, PersistedModel model)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(model);
        if (!MlNetInternals.IsInRepository(ctx))
            throw new InvalidOperationException(
                $"{kind.LoaderSignature} can only be saved into a model zip (mlContext.Model.Save); its weights are a separate zip entry.");

        MlNetInternals.CheckAtModel(ctx);
        MlNetInternals.SetVersionInfo(ctx, kind.ToVersionInfo());
        WriteHeader(MlNetInternals.GetWriter(ctx), kind.LoaderSignature, model);
        MlNetInternals.SaveBinaryStream(ctx, WeightsStreamName, writer => WriteStream(writer, model.Weights));
    }

    /// <summary>
    /// Reads what <see cref="Save"/> wrote. <paramref name="loadContext"/> is the ML.NET <c>ModelLoadContext</c> handed to the
    /// transformer's <c>Create(IHostEnvironment env, object ctx)</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">The sub-model is damaged, truncated or not one of ours.</exception>
    /// <exception cref="FormatException">ML.NET's version check failed (another model kind, or a version this code cannot read).</exception>
    internal static PersistedModel Load(object loadContext, ModelKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        MlNetInternals.CheckAtModel(loadContext, kind.ToVersionInfo());
        var header = ReadHeader(MlNetInternals.GetReader(loadContext), kind.LoaderSignature);
        if (!MlNetInternals.IsInRepository(loadContext))
            throw new InvalidDataException($"Corrupt Dsno.MLNet model '{kind.LoaderSignature}': it was not read from a model zip.");

        byte[]? weights = null;
        if (!MlNetInternals.TryLoadBinaryStream(loadContext, header.Weights.Name, reader => weights = ReadStream(reader, kind.LoaderSignature, header.Weights)))
            throw Corrupt(kind.LoaderSignature, $"the zip entry for binary stream '{header.Weights.Name}' is missing");
        return new PersistedModel(header.OptionsJson, weights!);
    }

    /// <summary>Serialises options (public fields and properties) to JSON.</summary>
    internal static string ToJson<T>(T options) => JsonSerializer.Serialize(options, Json);

    /// <summary>Binds options JSON to <typeparamref name="T"/>; malformed or mistyped JSON is an <see cref="InvalidDataException"/>.</summary>
    internal static T FromJson<T>(string json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Json) ?? throw new InvalidDataException($"Corrupt Dsno.MLNet model: {what} options are null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Corrupt Dsno.MLNet model: {what} options do not parse ({e.Message}).", e);
        }
    }

    // ---- header frame ----

    /// <summary>The decoded header frame.</summary>
    internal sealed record Header(string WrittenBy, string LoaderSignature, string OptionsJson, StreamEntry Weights);

    /// <summary>The weights stream as recorded in the header.</summary>
    internal sealed record StreamEntry(string Name, long Length, byte[] Sha256);

    /// <summary>Writes the header frame for <paramref name="model"/>.</summary>
    internal static void WriteHeader(BinaryWriter writer, string loaderSignature, PersistedModel model)
    {
        using var payloadStream = new MemoryStream();
        using (var payload = new BinaryWriter(payloadStream, StrictUtf8, leaveOpen: true))
        {
            WriteString(payload, WriterVersion);
            WriteString(payload, loaderSignature);
            var json = StrictUtf8.GetBytes(model.OptionsJson);
            if (json.Length > MaxHeaderBytes) throw new ArgumentException($"The options JSON is over {MaxHeaderBytes} bytes.", nameof(model));
            payload.Write(json.Length);
            payload.Write(json);
            payload.Write(0); // input column names
            payload.Write(0); // output column names
            payload.Write(1); // binary streams
            WriteString(payload, WeightsStreamName);
            payload.Write((long)model.Weights.Length);
            payload.Write(SHA256.HashData(model.Weights));
        }
        var body = payloadStream.ToArray();
        if (body.Length > MaxHeaderBytes) throw new ArgumentException($"The model header is over {MaxHeaderBytes} bytes.", nameof(model));
        writer.Write(HeaderMagic);
        writer.Write(FormatVersion);
        writer.Write(body.Length);
        writer.Write(body);
        writer.Write(SHA256.HashData(body));
    }

    /// <summary>Reads and checks a header frame; the reader ends just after it.</summary>
    internal static Header ReadHeader(BinaryReader reader, string expectedLoaderSignature)
    {
        string who = expectedLoaderSignature;
        var magic = ReadExactly(reader, HeaderMagic.Length, who, "the header magic");
        if (!magic.AsSpan().SequenceEqual(HeaderMagic))
            throw Corrupt(who, $"bad header magic {Convert.ToHexString(magic)} (expected {Convert.ToHexString(HeaderMagic)})");
        int version = BitConverter.ToInt32(ReadExactly(reader, 4, who, "the format version"));
        if (version != FormatVersion)
            throw Corrupt(who, $"unsupported header format version {version} (this Dsno.MLNet reads version {FormatVersion})");
        int length = BitConverter.ToInt32(ReadExactly(reader, 4, who, "the header length"));
        if (length < 0 || length > MaxHeaderBytes)
            throw Corrupt(who, $"header length {length} is outside [0, {MaxHeaderBytes}]");
        CheckRemaining(reader.BaseStream, length + (long)HashBytes, who, "the header");
        var body = ReadExactly(reader, length, who, "the header");
        var hash = ReadExactly(reader, HashBytes, who, "the header checksum");
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(hash))
            throw Corrupt(who, "header checksum (SHA-256) mismatch");

        var payload = new PayloadReader(body, who);
        var writtenBy = payload.ReadString("the writer version");
        var loaderSignature = payload.ReadString("the loader signature");
        if (!string.Equals(loaderSignature, expectedLoaderSignature, StringComparison.Ordinal))
            throw Corrupt(who, $"the header belongs to loader '{loaderSignature}'");
        var optionsJson = payload.ReadUtf8(payload.ReadLength(MaxHeaderBytes, "the options JSON length"), "the options JSON");
        payload.SkipStrings("input column names");
        payload.SkipStrings("output column names");
        int streamCount = payload.ReadInt32("the binary stream count");
        if (streamCount != 1) throw Corrupt(who, $"the header lists {streamCount} binary streams (expected 1)");
        var name = payload.ReadString("a binary stream name");
        long streamLength = payload.ReadInt64("a binary stream length");
        if (streamLength < 0 || streamLength > MaxStreamBytes)
            throw Corrupt(who, $"binary stream '{name}' length {streamLength} is outside [0, {MaxStreamBytes}]");
        if (name != WeightsStreamName)
            throw Corrupt(who, $"invalid binary stream name '{name}' (expected '{WeightsStreamName}')");
        var weights = new StreamEntry(name, streamLength, payload.ReadBytes(HashBytes, "a binary stream checksum"));
        payload.EnsureEnd();
        return new Header(writtenBy, loaderSignature, optionsJson, weights);
    }

    // ---- binary stream frame ----

    /// <summary>Writes one binary stream frame.</summary>
    internal static void WriteStream(BinaryWriter writer, byte[] bytes)
    {
        writer.Write(StreamMagic);
        writer.Write((long)bytes.Length);
        writer.Write(bytes);
    }

    /// <summary>Reads one binary stream frame and checks it against its header entry; the stream must end right after it.</summary>
    internal static byte[] ReadStream(BinaryReader reader, string loaderSignature, StreamEntry expected)
    {
        string who = loaderSignature, what = $"binary stream '{expected.Name}'";
        var magic = ReadExactly(reader, StreamMagic.Length, who, what);
        if (!magic.AsSpan().SequenceEqual(StreamMagic))
            throw Corrupt(who, $"bad magic in {what}");
        long length = BitConverter.ToInt64(ReadExactly(reader, 8, who, what));
        if (length != expected.Length)
            throw Corrupt(who, $"{what} says {length} bytes, the header says {expected.Length}");
        CheckRemaining(reader.BaseStream, length, who, what);
        var bytes = ReadExactly(reader, (int)length, who, what);
        if (reader.BaseStream.ReadByte() != -1)
            throw Corrupt(who, $"{what} has trailing bytes");
        if (!SHA256.HashData(bytes).AsSpan().SequenceEqual(expected.Sha256))
            throw Corrupt(who, $"{what} checksum (SHA-256) mismatch");
        return bytes;
    }

    // ---- helpers ----

    private static void WriteString(BinaryWriter writer, string value)
    {
        var bytes = StrictUtf8.GetBytes(value ?? throw new ArgumentNullException(nameof(value)));
        if (bytes.Length > MaxStringBytes) throw new ArgumentException($"A saved string is over {MaxStringBytes} bytes: '{value[..40]}...'.");
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static void CheckRemaining(Stream stream, long needed, string who, string what)
    {
        if (stream.CanSeek && stream.Length - stream.Position < needed)
            throw Corrupt(who, $"truncated: {what} needs {needed} bytes, {Math.Max(0, stream.Length - stream.Position)} remain");
    }

    private static byte[] ReadExactly(BinaryReader reader, int count, string who, string what)
    {
        var bytes = reader.ReadBytes(count);
        if (bytes.Length != count)
            throw Corrupt(who, $"truncated: {what} needs {count} bytes, only {bytes.Length} remain");
        return bytes;
    }

    internal static InvalidDataException Corrupt(string loaderSignature, string problem) =>
        new($"Corrupt Dsno.MLNet model '{loaderSignature}': {problem}.");

    /// <summary>Reads the checksummed header payload, with a bound check on every length.</summary>
    private sealed class PayloadReader(byte[] bytes, string who)
    {
        private int _position;

        public int ReadInt32(string what) => BitConverter.ToInt32(Take(4, what));

        public long ReadInt64(string what) => BitConverter.ToInt64(Take(8, what));

        public byte[] ReadBytes(int count, string what) => Take(count, what).ToArray();

        public int ReadLength(int max, string what)
        {
            int value = ReadInt32(what);
            if (value < 0 || value > max) throw Corrupt(who, $"{what} {value} is outside [0, {max}]");
            return value;
        }

        public string ReadString(string what) => ReadUtf8(ReadLength(MaxStringBytes, $"the length of {what}"), what);

        public string ReadUtf8(int length, string what)
        {
            var span = Take(length, what);
            try
            {
                return StrictUtf8.GetString(span);
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException($"Corrupt Dsno.MLNet model '{who}': {what} is not valid UTF-8.", e);
            }
        }

        public void SkipStrings(string what)
        {
            int count = ReadLength(MaxItems, $"the number of {what}");
            for (int i = 0; i < count; i++) ReadString(what);
        }

        public void EnsureEnd()
        {
            if (_position != bytes.Length) throw Corrupt(who, $"{bytes.Length - _position} unexpected bytes after the header fields");
        }

        private ReadOnlySpan<byte> Take(int count, string what)
        {
            if (count > bytes.Length - _position)
                throw Corrupt(who, $"truncated header: {what} needs {count} bytes, {bytes.Length - _position} remain");
            var span = bytes.AsSpan(_position, count);
            _position += count;
            return span;
        }
    }
}
