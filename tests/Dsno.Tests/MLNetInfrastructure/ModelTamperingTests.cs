using System.IO.Compression;
using System.Reflection;
using System.Text;
using Dsno.Tests.MLNetInfrastructure.TestModel;
using Microsoft.ML;
using TorchSharp;
using Xunit.Abstractions;

namespace Dsno.Tests.MLNetInfrastructure;

/// <summary>
/// A damaged model zip never loads and never fails with an unexpected exception type: 100 seeded mutations of a saved
/// <c>Concatenate(...).Append(TinyLinear)</c> chain.
/// </summary>
/// <remarks>
/// What <c>mlContext.Model.Load</c> throws (documented here, checked below):
/// <list type="bullet">
/// <item>A zip that does not open (truncated, central directory damaged): ML.NET's <see cref="FormatException"/>
/// "Failed to open a zip archive", unwrapped.</item>
/// <item>Anything wrong inside a transformer's sub-model: the error of whoever noticed it, wrapped by ML.NET's reflection-based loading.
/// Our own checks (header and weights frames, checksums, options) throw <see cref="InvalidDataException"/>; ML.NET's checks of its own
/// sub-model header throw <see cref="FormatException"/>; a damaged compressed entry makes System.IO.Compression throw
/// <see cref="InvalidDataException"/>. ML.NET invokes each loader through reflection, so the exception arrives inside one
/// <see cref="TargetInvocationException"/> per level (the transformer's Create, then the TransformerChain's constructor), and when
/// ML.NET itself raised it, also inside its <see cref="InvalidOperationException"/> "Error during class instantiation".</item>
/// </list>
/// The test unwraps exactly those two wrappers and requires an <see cref="InvalidDataException"/> or <see cref="FormatException"/>
/// underneath. (Damage to the loader-assembly name inside ML.NET's own header would make ML.NET's <c>Assembly.Load</c> throw
/// <see cref="FileNotFoundException"/> or <see cref="FileLoadException"/>; the mutations here leave ML.NET's header fields alone
/// except by truncation, which ML.NET detects first.)
/// </remarks>
public class ModelTamperingTests
{
    private const string Directory = "TransformerChain/Transform_001/";
    private const string WeightsEntry = Directory + TinyLinearTransformer.WeightsStream;
    private const string ModelEntry = Directory + "Model.key";
    private const string OurPrefix = $"Corrupt Dsno.MLNet model '{TinyLinearTransformer.LoaderSignature}': ";
    private readonly ITestOutputHelper _output;

    public ModelTamperingTests(ITestOutputHelper output)
    {
        _output = output;
        torch.set_num_threads(1);
    }

    /// <summary>The innermost exception once ML.NET's loading wrappers are removed, and the chain of wrappers seen.</summary>
    internal static (Exception Root, string Chain) Unwrap(Exception e)
    {
        var chain = new StringBuilder(e.GetType().Name);
        while (true)
        {
            if (e is TargetInvocationException { InnerException: { } invoked }) e = invoked;
            else if (e is InvalidOperationException { Message: "Error during class instantiation", InnerException: { } wrapped }) e = wrapped;
            else return (e, chain.ToString());
            chain.Append(" > ").Append(e.GetType().Name);
        }
    }

    [Fact]
    public void HundredMutationsOfASavedModelAllFailWithDocumentedExceptions()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TestData.Rows(50, seed: 12));
        var model = ml.Transforms.Concatenate("Features", "A", "B").Append(new TinyLinearEstimator(new TinyLinearOptions())).Fit(data);
        using var temp = new TempFolder();
        var original = temp.File("model.zip");
        ml.Model.Save(model, data.Schema, original);
        var pristine = File.ReadAllBytes(original);
        new MLContext().Model.Load(new MemoryStream(pristine), out _); // the undamaged model loads

        var entries = ReadEntries(pristine);
        var weights = entries[WeightsEntry];
        var modelKey = entries[ModelEntry];
        int frameStart = IndexOf(modelKey, "DSNOMLNT"u8.ToArray());
        Assert.True(frameStart > 0, "our header frame is in the sub-model's main stream");
        int frameLength = 8 + 4 + 4 + BitConverter.ToInt32(modelKey, frameStart + 12) + 32;
        var (weightsDataStart, weightsDataLength) = CompressedData(pristine, WeightsEntry);

        var random = new Random(20240611);
        var cases = new List<(string Family, byte[] Zip)>();
        void Add(string family, byte[] zip) => cases.Add((family, zip));
        for (int i = 0; i < 30; i++) Add("weights: flipped bytes", Rewrite(pristine, WeightsEntry, Flip(weights, random, 0, weights.Length, 1 + random.Next(3))));
        for (int i = 0; i < 10; i++) Add("weights: truncated", Rewrite(pristine, WeightsEntry, weights[..random.Next(weights.Length)]));
        for (int i = 0; i < 5; i++) Add("weights: bytes appended", Rewrite(pristine, WeightsEntry, weights.Concat(RandomBytes(random, 1 + random.Next(8))).ToArray()));
        Add("weights: entry deleted", Rewrite(pristine, WeightsEntry, null));
        for (int i = 0; i < 25; i++) Add("header: flipped byte", Rewrite(pristine, ModelEntry, Flip(modelKey, random, frameStart, frameLength, 1)));
        for (int i = 0; i < 10; i++) Add("Model.key: truncated", Rewrite(pristine, ModelEntry, modelKey[..random.Next(modelKey.Length)]));
        for (int i = 0; i < 12; i++) Add("zip: compressed weights flipped", Flip(pristine, random, weightsDataStart, weightsDataLength, 1));
        for (int i = 0; i < 7; i++) Add("zip: file truncated", pristine[..random.Next(pristine.Length)]);
        Assert.Equal(100, cases.Count);

        var seen = new SortedDictionary<string, int>();
        foreach (var (family, zip) in cases)
        {
            var error = Record.Exception(() => new MLContext().Model.Load(new MemoryStream(zip), out _));
            Assert.True(error is not null, $"{family}: the damaged model loaded");
            var (root, chain) = Unwrap(error);
            string key = $"{family}: {chain} | {Shorten(root.Message)}";
            seen[key] = seen.GetValueOrDefault(key) + 1;
            Assert.True(root is InvalidDataException or FormatException, $"{family}: unexpected {chain}: {root}");
            switch (family)
            {
                case "zip: file truncated":
                    Assert.IsType<FormatException>(error);
                    Assert.Equal("Failed to open a zip archive", error.Message);
                    break;
                case "Model.key: truncated":
                    Assert.IsType<FormatException>(root); // ML.NET's own sub-model header check comes first
                    break;
                case "zip: compressed weights flipped":
                    Assert.IsType<InvalidDataException>(root);
                    break;
                default:
                    var ours = Assert.IsType<InvalidDataException>(root);
                    Assert.StartsWith(OurPrefix, ours.Message);
                    break;
            }
        }
        foreach (var (key, count) in seen) _output.WriteLine($"{count,3} x {key}");
    }

    [Fact]
    public void NamedDamageGivesANamedMessage()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TestData.Rows(20, seed: 13));
        var model = ml.Transforms.Concatenate("Features", "A", "B").Append(new TinyLinearEstimator(new TinyLinearOptions())).Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        var pristine = stream.ToArray();
        var entries = ReadEntries(pristine);

        Exception Load(byte[] zip) => Unwrap(Assert.ThrowsAny<Exception>(() => new MLContext().Model.Load(new MemoryStream(zip), out _))).Root;

        var weights = entries[WeightsEntry];
        var flipped = (byte[])weights.Clone();
        flipped[^5] ^= 0x10;
        Assert.Equal(OurPrefix + $"binary stream '{TinyLinearTransformer.WeightsStream}' checksum (SHA-256) mismatch.",
            Assert.IsType<InvalidDataException>(Load(Rewrite(pristine, WeightsEntry, flipped))).Message);

        Assert.StartsWith(OurPrefix + $"truncated: binary stream '{TinyLinearTransformer.WeightsStream}' needs",
            Assert.IsType<InvalidDataException>(Load(Rewrite(pristine, WeightsEntry, weights[..^10]))).Message);

        Assert.Equal(OurPrefix + $"the zip entry for binary stream '{TinyLinearTransformer.WeightsStream}' is missing.",
            Assert.IsType<InvalidDataException>(Load(Rewrite(pristine, WeightsEntry, null))).Message);

        var modelKey = entries[ModelEntry];
        int frame = IndexOf(modelKey, "DSNOMLNT"u8.ToArray());
        var badMagic = (byte[])modelKey.Clone();
        badMagic[frame] = (byte)'X';
        Assert.StartsWith(OurPrefix + "bad header magic", Assert.IsType<InvalidDataException>(Load(Rewrite(pristine, ModelEntry, badMagic))).Message);

        var badVersion = (byte[])modelKey.Clone();
        badVersion[frame + 8] = 99;
        Assert.Equal(OurPrefix + "unsupported header format version 99 (this Dsno.MLNet reads version 1).",
            Assert.IsType<InvalidDataException>(Load(Rewrite(pristine, ModelEntry, badVersion))).Message);

        // Truncating the sub-model's main stream is caught by ML.NET's own header check.
        Assert.IsType<FormatException>(Load(Rewrite(pristine, ModelEntry, modelKey[..(frame + 20)])));
    }

    // ---- zip helpers ----

    private static Dictionary<string, byte[]> ReadEntries(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return archive.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var source = e.Open();
            using var copy = new MemoryStream();
            source.CopyTo(copy);
            return copy.ToArray();
        });
    }

    /// <summary>The zip with entry <paramref name="name"/> replaced by <paramref name="content"/> (removed when null); the container stays valid.</summary>
    private static byte[] Rewrite(byte[] zip, string name, byte[]? content)
    {
        using var stream = new MemoryStream();
        stream.Write(zip);
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Update, leaveOpen: true))
        {
            archive.GetEntry(name)!.Delete();
            if (content is not null)
            {
                using var target = archive.CreateEntry(name).Open();
                target.Write(content);
            }
        }
        return stream.ToArray();
    }

    /// <summary>Where the compressed bytes of entry <paramref name="name"/> lie in the zip file (from the central directory).</summary>
    private static (int Start, int Length) CompressedData(byte[] zip, string name)
    {
        int end = zip.Length - 22;
        while (BitConverter.ToUInt32(zip, end) != 0x06054b50) end--;
        int entry = BitConverter.ToInt32(zip, end + 16);
        while (BitConverter.ToUInt32(zip, entry) == 0x02014b50)
        {
            int compressed = BitConverter.ToInt32(zip, entry + 20);
            int nameLength = BitConverter.ToUInt16(zip, entry + 28);
            int extra = BitConverter.ToUInt16(zip, entry + 30), comment = BitConverter.ToUInt16(zip, entry + 32);
            int local = BitConverter.ToInt32(zip, entry + 42);
            if (Encoding.UTF8.GetString(zip, entry + 46, nameLength) == name)
                return (local + 30 + BitConverter.ToUInt16(zip, local + 26) + BitConverter.ToUInt16(zip, local + 28), compressed);
            entry += 46 + nameLength + extra + comment;
        }
        throw new InvalidOperationException($"no entry {name}");
    }

    private static byte[] Flip(byte[] bytes, Random random, int start, int length, int count)
    {
        var copy = (byte[])bytes.Clone();
        for (int i = 0; i < count; i++) copy[start + random.Next(length)] ^= (byte)(1 + random.Next(255));
        return copy;
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        return -1;
    }

    private static string Shorten(string message)
    {
        var text = System.Text.RegularExpressions.Regex.Replace(message, @"\d+", "N");
        return text.Length > 90 ? text[..90] + "..." : text;
    }
}
