using System.Text;
using Dsno.Models;
using Dsno.Networks;

namespace Dsno.Tests.Reliability;

/// <summary>Numbers read from model files are checked (finite, in range) before they reach torch: a damaged file is refused.</summary>
public sealed class ModelFileNumberTests
{
    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void AWeightThatIsNotFiniteIsRefused(float value)
    {
        using var teacher = new DiffusionTeacher(TinyModels.Digits());
        using var buffer = new MemoryStream();
        teacher.Save(buffer);
        var bytes = buffer.ToArray();
        // The last four bytes are the last float of the last tensor.
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 4), value);
        var e = Assert.Throws<InvalidDataException>(() => DiffusionTeacher.Load(new MemoryStream(bytes)));
        Assert.Contains("non-finite", e.Message);
    }

    [Fact]
    public void AnArchitectureTheNetworkCannotBuildIsBadDataNotAnArgumentError()
    {
        using var teacher = new DiffusionTeacher(TinyModels.Digits());
        using var buffer = new MemoryStream();
        teacher.Save(buffer);
        // 16 base channels in 7 GroupNorm groups: within every bound, but not a network.
        var damaged = Rewrite(buffer.ToArray(), "\"GroupNormGroups\":8", "\"GroupNormGroups\":7");
        var e = Assert.Throws<InvalidDataException>(() => DiffusionTeacher.Load(new MemoryStream(damaged)));
        Assert.Contains("teacher model", e.Message);
    }

    [Theory]
    [InlineData("\"AttentionHeads\":1", "\"AttentionHeads\":0")]
    [InlineData("\"Dropout\":0", "\"Dropout\":\"NaN\"")]
    public void OutOfRangeHeaderNumbersAreRefused(string from, string to)
    {
        using var teacher = new DiffusionTeacher(TinyModels.Digits());
        using var buffer = new MemoryStream();
        teacher.Save(buffer);
        // The header's length field counts the JSON bytes: it is kept right so that the number itself is what is judged.
        var damaged = Rewrite(buffer.ToArray(), from, to);
        Assert.Throws<InvalidDataException>(() => DiffusionTeacher.Load(new MemoryStream(damaged)));
    }

    /// <summary>Replaces text inside the JSON header and fixes the header's length field (at offset 12, after magic and version).</summary>
    private static byte[] Rewrite(byte[] file, string from, string to)
    {
        int length = BitConverter.ToInt32(file, 12);
        var original = Encoding.UTF8.GetString(file, 16, length);
        Assert.Contains(from, original);
        var json = original.Replace(from, to);
        var newJson = Encoding.UTF8.GetBytes(json);
        using var output = new MemoryStream();
        output.Write(file, 0, 12);
        output.Write(BitConverter.GetBytes(newJson.Length));
        output.Write(newJson);
        output.Write(file, 16 + length, file.Length - 16 - length);
        return output.ToArray();
    }
}
