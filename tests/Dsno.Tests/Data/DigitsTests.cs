using System.IO.Compression;
using Dsno.Data;

namespace Dsno.Tests.Data;

public class DigitsTests
{
    [Fact]
    public void LoadsAllDigitsWithShapeLabelsAndRange()
    {
        var digits = Digits.Load();
        Assert.Equal(1797, digits.Count);
        Assert.Equal((1, 8, 8), (digits.Channels, digits.Height, digits.Width));
        Assert.Equal(1797 * 64, digits.Pixels.Length);
        Assert.NotNull(digits.Labels);
        Assert.Equal(10, digits.ClassCount);
        Assert.Equal(Enumerable.Range(0, 10), digits.Labels!.Distinct().Order());
        Assert.All(digits.Pixels, v => Assert.InRange(v, -1f, 1f));
        Assert.Equal(-1f, digits.Pixels.Min());
        Assert.Equal(1f, digits.Pixels.Max());
        Assert.Equal(new[] { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" }, digits.ClassNames);
    }

    [Fact]
    public void ValuesAreTheResourceValuesMappedLinearly()
    {
        // Independent parse of the embedded CSV: raw r in 0..16 must become r / 8 - 1, label in the last column.
        using var stream = typeof(Digits).Assembly.GetManifestResourceStream(Digits.ResourceName)!;
        using var text = new StreamReader(new GZipStream(stream, CompressionMode.Decompress));
        var rows = text.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(',').Select(double.Parse).ToArray()).ToArray();
        var digits = Digits.Load();
        Assert.Equal(rows.Length, digits.Count);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal((int)rows[i][64], digits.Labels![i]);
            for (int k = 0; k < 64; k++) Assert.Equal(rows[i][k] / 8.0 - 1.0, digits.Pixels[i * 64 + k], 6);
        }
    }

    [Fact]
    public void EachLoadIsAnIndependentCopy()
    {
        var a = Digits.Load();
        a.Pixels[0] = 0.5f;
        Assert.NotEqual(0.5f, Digits.Load().Pixels[0]);
    }
}
