using Dsno.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Dsno.Tests.MLNet;

/// <summary><c>mlContext.Data.SaveAsDeterministicBinary</c>: the same rows give the same bytes, and the file reads back as ML.NET's own.</summary>
public class DeterministicBinaryTests
{
    private sealed class Row
    {
        [VectorType(3)] public float[] A { get; set; } = new float[3];
        [VectorType(2)] public float[] B { get; set; } = new float[2];
        public int C { get; set; }
        public string D { get; set; } = "";
    }

    // Several blocks per column (ML.NET cuts at most 8,192 rows a block) and several columns, so the compression threads have work to race over.
    private static IDataView Rows(MLContext ml)
    {
        var random = new Random(5);
        var rows = Enumerable.Range(0, 20_000).Select(i => new Row
        {
            A = new[] { (float)random.NextDouble(), i, -i },
            B = new[] { (float)random.NextDouble(), 1f },
            C = i % 7,
            D = i % 3 == 0 ? "three" : "other",
        }).ToList();
        return ml.Data.Cache(ml.Data.LoadFromEnumerable(rows));
    }

    private static string Text(Row r) =>
        string.Join(",", r.A.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "|" +
        string.Join(",", r.B.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + $"|{r.C}|{r.D}";

    private static byte[] Save(MLContext ml, IDataView data, bool keepHidden = false)
    {
        using var memory = new MemoryStream();
        ml.Data.SaveAsDeterministicBinary(data, memory, keepHidden);
        return memory.ToArray();
    }

    [Fact]
    public void TheSameRowsGiveTheSameBytesAndReadBackAsSaved()
    {
        var ml = new MLContext(seed: 1);
        var data = Rows(ml);
        var first = Save(ml, data);
        for (int i = 0; i < 4; i++) Assert.True(first.AsSpan().SequenceEqual(Save(ml, data)), $"save {i + 2} differs from the first");

        string file = Path.Combine(TinyModels.TempDir(), "rows.idv");
        File.WriteAllBytes(file, first);
        var loaded = ml.Data.LoadFromBinary(file);
        Assert.Equal(20_000, loaded.GetRowCount());
        Assert.Equal(data.Schema.Select(c => $"{c.Name}:{c.Type}"), loaded.Schema.Select(c => $"{c.Name}:{c.Type}"));
        var expected = ml.Data.CreateEnumerable<Row>(data, reuseRowObject: false).ToList();
        var actual = ml.Data.CreateEnumerable<Row>(loaded, reuseRowObject: false).ToList();
        Assert.Equal(expected.Select(Text), actual.Select(Text));

        // A second context (another environment and random state) writes the same bytes.
        Assert.True(first.AsSpan().SequenceEqual(Save(new MLContext(seed: 9), data)));
    }

    [Fact]
    public void HiddenColumnsAreDroppedUnlessKept()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Transforms.CopyColumns("A", "B").Fit(Rows(ml)).Transform(Rows(ml)); // the original A is hidden
        string dir = TinyModels.TempDir();
        File.WriteAllBytes(Path.Combine(dir, "visible.idv"), Save(ml, data));
        File.WriteAllBytes(Path.Combine(dir, "all.idv"), Save(ml, data, keepHidden: true));
        Assert.Equal(4, ml.Data.LoadFromBinary(Path.Combine(dir, "visible.idv")).Schema.Count);
        Assert.Equal(5, ml.Data.LoadFromBinary(Path.Combine(dir, "all.idv")).Schema.Count);
    }
}
