using Microsoft.ML;
using Microsoft.ML.Data;

namespace Dsno.Tests.MLNetInfrastructure;

/// <summary>Small deterministic data sets for the ML.NET infrastructure tests.</summary>
internal static class TestData
{
    /// <summary>A row with two float vectors (to concatenate), a text, a key and an int column.</summary>
    public sealed class Row
    {
        [VectorType(3)] public float[] A { get; set; } = Array.Empty<float>();
        [VectorType(2)] public float[] B { get; set; } = Array.Empty<float>();
        public string Name { get; set; } = "";
        /// <summary>A key with 10 values. ML.NET reads a key property as a zero-based index: the view holds Class + 1, or 0 (missing) when Class is 10.</summary>
        [KeyType(10)] public uint Class { get; set; }
        public int Number { get; set; }
    }

    public static List<Row> Rows(int count, int seed)
    {
        var random = new Random(seed);
        float Next() => (float)(random.NextDouble() * 4 - 1);
        return Enumerable.Range(0, count).Select(i => new Row
        {
            A = new[] { Next(), Next(), Next() },
            B = new[] { Next(), Next() },
            Name = $"row{i}",
            Class = (uint)(i % 11), // 0 is the missing key
            Number = i * 7 - 100,
        }).ToList();
    }

    /// <summary>The key value the data view holds for a row (1-based, 0 = missing).</summary>
    public static uint RawKey(Row row) => row.Class < 10 ? row.Class + 1 : 0;

    /// <summary>The zero-based class index a batched mapping should see (-1 for a missing key).</summary>
    public static int ClassIndex(Row row) => (int)RawKey(row) - 1;

    public static IDataView View(MLContext ml, int count, int seed) => ml.Data.LoadFromEnumerable(Rows(count, seed));

    /// <summary>Every value of a float vector column, row after row.</summary>
    public static List<float[]> FloatVectors(IDataView view, string column)
    {
        var col = view.Schema[column];
        var result = new List<float[]>();
        using var cursor = view.GetRowCursor(new[] { col });
        var getter = cursor.GetGetter<VBuffer<float>>(col);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            result.Add(buffer.DenseValues().ToArray());
        }
        return result;
    }

    /// <summary>Asserts two lists of vectors are bit-for-bit equal.</summary>
    public static void AssertBitEqual(IReadOnlyList<float[]> expected, IReadOnlyList<float[]> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int r = 0; r < expected.Count; r++)
        {
            Assert.Equal(expected[r].Length, actual[r].Length);
            for (int i = 0; i < expected[r].Length; i++)
                if (BitConverter.SingleToInt32Bits(expected[r][i]) != BitConverter.SingleToInt32Bits(actual[r][i]))
                    Assert.Fail($"row {r}, value {i}: expected {expected[r][i]:R}, got {actual[r][i]:R}");
        }
    }

}
