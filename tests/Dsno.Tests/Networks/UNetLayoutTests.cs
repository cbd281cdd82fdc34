using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dsno.Networks;
using Dsno.Runtime;
using TorchSharp;

namespace Dsno.Tests.Networks;

/// <summary>
/// Saved models and the benchmarks' numbers depend on the U-Net's parameter names, their order and shapes, and the order in which the
/// modules draw their initial weights. The expected listings in <c>Networks/Expected</c> were written from the U-Net as built before
/// its structure was derived from one description of the blocks; any change to names, order, shapes or initial weights fails here.
/// </summary>
public class UNetLayoutTests
{
    /// <summary>The benchmark architectures (bench/Dsno.Bench/BenchConfig.cs), as they are trained there.</summary>
    public static TheoryData<string> Architectures => new() { "digits", "fashion16", "fashion32", "guided-digits" };

    private static UNetOptions Architecture(string name) => name switch
    {
        "digits" => new UNetOptions
        {
            Channels = 1, Height = 8, Width = 8, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 2,
            AttentionResolutions = new[] { 4 }, Dropout = 0.1,
        },
        "fashion16" => new UNetOptions
        {
            Channels = 1, Height = 16, Width = 16, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2, 2 }, ResBlocksPerLevel = 2,
            AttentionResolutions = new[] { 8 }, Dropout = 0.1,
        },
        "fashion32" => new UNetOptions
        {
            Channels = 1, Height = 32, Width = 32, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2, 2, 2 }, ResBlocksPerLevel = 2,
            AttentionResolutions = new[] { 8 }, Dropout = 0.1,
        },
        "guided-digits" => new UNetOptions
        {
            Channels = 1, Height = 8, Width = 8, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 1,
            NumClasses = 10, NullClass = true, GuidanceEmbedding = true,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>One line per state-dict entry (name and shape, in order), then the hook channels and a SHA-256 of the seeded initial weights.</summary>
    private static string Listing(string name)
    {
        using var net = SeededConstruction.Build(7, () => new UNet(Architecture(name)));
        var text = new StringBuilder();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (key, value) in net.state_dict())
        {
            text.Append(key).Append(' ').AppendJoin(',', value.shape).Append('\n');
            using var contiguous = value.detach().cpu().contiguous();
            hash.AppendData(contiguous.bytes);
        }
        text.Append("hooks ").AppendJoin(',', net.HookChannels).Append('\n');
        text.Append("parameters ").Append(net.ParameterCount.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("sha256 ").Append(Convert.ToHexStringLower(hash.GetHashAndReset())).Append('\n');
        return text.ToString();
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void StateDictNamesShapesAndInitialWeightsAreUnchanged(string name)
    {
        string expectedPath = Path.Combine(RepositoryRoot.Find(), "tests", "Dsno.Tests", "Networks", "Expected", $"unet-{name}.txt");
        string actual = Listing(name);
        string expected = File.Exists(expectedPath) ? File.ReadAllText(expectedPath) : "";
        if (expected != actual)
        {
            string actualPath = Path.Combine(Path.GetTempPath(), $"unet-{name}.actual.txt");
            File.WriteAllText(actualPath, actual);
            Assert.Fail($"the U-Net layout of '{name}' differs from {expectedPath} (actual written to {actualPath})");
        }
    }
}
