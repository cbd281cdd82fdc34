using System.Security.Cryptography;
using Dsno.MLNet.Internal;
using Dsno.Tests.MLNetInfrastructure.TestModel;
using TorchSharp;

namespace Dsno.Tests.MLNetInfrastructure;

/// <summary>The header and stream frames round-trip, and every damaged, truncated or oversized field is an InvalidDataException.</summary>
public class ModelPersistenceTests
{
    private const string Signature = "DsnoTestFrames";

    private static PersistedModel Sample() => new(
        ModelPersistence.ToJson(new { Size = 3, Times = new[] { 1f, 0.5f, 0f }, Name = "ünïcode" }),
        Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray());

    private static byte[] HeaderBytes(PersistedModel model)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream)) ModelPersistence.WriteHeader(writer, Signature, model);
        return stream.ToArray();
    }

    private static ModelPersistence.Header ReadHeader(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        return ModelPersistence.ReadHeader(reader, Signature);
    }

    /// <summary>A header frame around an arbitrary payload, with a valid checksum.</summary>
    private static byte[] Frame(byte[] payload)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write("DSNOMLNT"u8.ToArray());
            writer.Write(ModelPersistence.FormatVersion);
            writer.Write(payload.Length);
            writer.Write(payload);
            writer.Write(SHA256.HashData(payload));
        }
        return stream.ToArray();
    }

    private static byte[] Payload(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream)) write(writer);
        return stream.ToArray();
    }

    private static void WriteString(BinaryWriter writer, string value)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(value);
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    [Fact]
    public void HeaderRoundTripsEveryField()
    {
        var model = Sample();
        var header = ReadHeader(HeaderBytes(model));
        Assert.Equal(Signature, header.LoaderSignature);
        Assert.Equal(model.OptionsJson, header.OptionsJson);
        Assert.Equal(ModelPersistence.WeightsStreamName, header.Weights.Name);
        Assert.Equal(1000, header.Weights.Length);
        Assert.Equal(SHA256.HashData(model.Weights), header.Weights.Sha256);
        Assert.False(string.IsNullOrEmpty(header.WrittenBy));
    }

    [Fact]
    public void AHeaderThatListsColumnNamesStillReads()
    {
        // Earlier versions wrote the input and output column names; they are skipped.
        var bytes = Enumerable.Range(0, 10).Select(i => (byte)i).ToArray();
        var header = ReadHeader(Frame(Payload(w =>
        {
            WriteString(w, "1.0");
            WriteString(w, Signature);
            w.Write(2);
            w.Write("{}"u8.ToArray());
            w.Write(2);
            WriteString(w, "Noise");
            WriteString(w, "Label");
            w.Write(1);
            WriteString(w, "Trajectory");
            w.Write(1);
            WriteString(w, "Model");
            w.Write((long)bytes.Length);
            w.Write(SHA256.HashData(bytes));
        })));
        Assert.Equal(("{}", "Model", 10L), (header.OptionsJson, header.Weights.Name, header.Weights.Length));

        var twoStreams = Frame(Payload(w =>
        {
            WriteString(w, "1.0");
            WriteString(w, Signature);
            w.Write(2);
            w.Write("{}"u8.ToArray());
            w.Write(0);
            w.Write(0);
            w.Write(2);
        }));
        Assert.Contains("the header lists 2 binary streams (expected 1)", Assert.Throws<InvalidDataException>(() => ReadHeader(twoStreams)).Message);
    }

    [Fact]
    public void EveryTruncationAndEveryFlippedByteOfTheHeaderIsReported()
    {
        var bytes = HeaderBytes(Sample());
        for (int length = 0; length < bytes.Length; length++)
        {
            var error = Assert.Throws<InvalidDataException>(() => ReadHeader(bytes[..length]));
            Assert.Contains("truncated", error.Message);
        }
        for (int i = 0; i < bytes.Length; i++)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[i] ^= (byte)(1 << (i % 8));
            var error = Assert.Throws<InvalidDataException>(() => ReadHeader(damaged));
            Assert.StartsWith($"Corrupt Dsno.MLNet model '{Signature}': ", error.Message);
        }
    }

    [Fact]
    public void MagicVersionAndSignatureAreChecked()
    {
        var bytes = HeaderBytes(Sample());
        var magic = (byte[])bytes.Clone();
        magic[0] = (byte)'X';
        Assert.Contains("bad header magic", Assert.Throws<InvalidDataException>(() => ReadHeader(magic)).Message);

        var version = (byte[])bytes.Clone();
        BitConverter.TryWriteBytes(version.AsSpan(8), ModelPersistence.FormatVersion + 1);
        Assert.Contains($"unsupported header format version {ModelPersistence.FormatVersion + 1}", Assert.Throws<InvalidDataException>(() => ReadHeader(version)).Message);

        using var reader = new BinaryReader(new MemoryStream(bytes));
        var other = Assert.Throws<InvalidDataException>(() => ModelPersistence.ReadHeader(reader, "DsnoSomethingElse"));
        Assert.Contains($"belongs to loader '{Signature}'", other.Message);
    }

    [Fact]
    public void OversizedLengthsAreRejectedBeforeAnythingIsAllocated()
    {
        var huge = HeaderBytes(Sample());
        BitConverter.TryWriteBytes(huge.AsSpan(12), int.MaxValue);
        Assert.Contains("header length 2147483647 is outside [0, 1048576]", Assert.Throws<InvalidDataException>(() => ReadHeader(huge)).Message);

        var longString = Frame(Payload(w => w.Write(ModelPersistence.MaxStringBytes + 1)));
        Assert.Contains("is outside [0, 65536]", Assert.Throws<InvalidDataException>(() => ReadHeader(longString)).Message);

        var manyColumns = Frame(Payload(w =>
        {
            WriteString(w, "1.0");
            WriteString(w, Signature);
            w.Write(2);
            w.Write("{}"u8.ToArray());
            w.Write(int.MaxValue);
        }));
        Assert.Contains("the number of input column names 2147483647 is outside [0, 1024]", Assert.Throws<InvalidDataException>(() => ReadHeader(manyColumns)).Message);

        var hugeStream = Frame(Payload(w =>
        {
            WriteString(w, "1.0");
            WriteString(w, Signature);
            w.Write(2);
            w.Write("{}"u8.ToArray());
            w.Write(0);
            w.Write(0);
            w.Write(1);
            WriteString(w, "Weights");
            w.Write(long.MaxValue);
            w.Write(new byte[32]);
        }));
        Assert.Contains($"binary stream 'Weights' length {long.MaxValue} is outside", Assert.Throws<InvalidDataException>(() => ReadHeader(hugeStream)).Message);

        var badName = Frame(Payload(w =>
        {
            WriteString(w, "1.0");
            WriteString(w, Signature);
            w.Write(2);
            w.Write("{}"u8.ToArray());
            w.Write(0);
            w.Write(0);
            w.Write(1);
            WriteString(w, "../../etc/passwd");
            w.Write(0L);
            w.Write(new byte[32]);
        }));
        Assert.Contains("invalid binary stream name '../../etc/passwd'", Assert.Throws<InvalidDataException>(() => ReadHeader(badName)).Message);

        var notUtf8 = Frame(Payload(w =>
        {
            w.Write(2);
            w.Write(new byte[] { 0xC3, 0x28 });
        }));
        Assert.Contains("is not valid UTF-8", Assert.Throws<InvalidDataException>(() => ReadHeader(notUtf8)).Message);
    }

    [Fact]
    public void StreamFramesAreCheckedAgainstTheHeader()
    {
        var bytes = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var entry = new ModelPersistence.StreamEntry("Weights", bytes.Length, SHA256.HashData(bytes));
        byte[] Frame()
        {
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream)) ModelPersistence.WriteStream(writer, bytes);
            return stream.ToArray();
        }
        byte[] Read(byte[] frame, ModelPersistence.StreamEntry expected)
        {
            using var reader = new BinaryReader(new MemoryStream(frame));
            return ModelPersistence.ReadStream(reader, Signature, expected);
        }

        var frame = Frame();
        Assert.Equal(bytes, Read(frame, entry));
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => Read(frame[..^1], entry)).Message);
        Assert.Contains("trailing bytes", Assert.Throws<InvalidDataException>(() => Read(frame.Append((byte)0).ToArray(), entry)).Message);
        var flipped = (byte[])frame.Clone();
        flipped[100] ^= 1;
        Assert.Contains("binary stream 'Weights' checksum (SHA-256) mismatch", Assert.Throws<InvalidDataException>(() => Read(flipped, entry)).Message);
        Assert.Contains("says 300 bytes, the header says 299",
            Assert.Throws<InvalidDataException>(() => Read(frame, entry with { Length = 299 })).Message);
        var magic = (byte[])frame.Clone();
        magic[3] ^= 1;
        Assert.Contains("bad magic", Assert.Throws<InvalidDataException>(() => Read(magic, entry)).Message);
    }

    [Fact]
    public void OptionsJsonAndWeightsThatDoNotFitAreInvalidData()
    {
        Assert.Contains("options do not parse", Assert.Throws<InvalidDataException>(() => ModelPersistence.FromJson<int[]>("{\"oops\"", "Test")).Message);
        Assert.Equal(new[] { 1, 2 }, ModelPersistence.FromJson<int[]>("[1,2]", "Test"));

        using var small = torch.nn.Linear(3, 2);
        using var other = torch.nn.Linear(4, 2);
        var weights = ModuleWeights.ToBytes(small);
        using var copy = torch.nn.Linear(3, 2);
        ModuleWeights.LoadInto(copy, weights, Signature);
        Assert.True(torch.allclose(small.weight!, copy.weight!, 0, 0));
        Assert.Contains("do not fit the saved architecture", Assert.Throws<InvalidDataException>(() => ModuleWeights.LoadInto(other, weights, Signature)).Message);
        Assert.Contains("unexpected bytes after the weights",
            Assert.Throws<InvalidDataException>(() => ModuleWeights.LoadInto(copy, weights.Append((byte)0).ToArray(), Signature)).Message);
        Assert.Throws<InvalidDataException>(() => ModuleWeights.LoadInto(copy, weights[..^4], Signature));
    }
}
