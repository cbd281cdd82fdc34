using Microsoft.ML;
using Microsoft.ML.Data;

namespace Dsno.Examples;

/// <summary>Reads float vector columns of an <see cref="IDataView"/> into arrays, one per row.</summary>
public static class ImageColumns
{
    /// <summary>Every row of <paramref name="column"/> (a float vector column), dense, in row order.</summary>
    public static float[][] Read(IDataView view, string column)
    {
        ArgumentNullException.ThrowIfNull(view);
        var col = view.Schema.GetColumnOrNull(column) ?? throw new ArgumentException($"the data has no column '{column}'", nameof(column));
        var rows = new List<float[]>();
        using var cursor = view.GetRowCursor(new[] { col });
        var getter = cursor.GetGetter<VBuffer<float>>(col);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            rows.Add(buffer.DenseValues().ToArray());
        }
        return rows.ToArray();
    }

    /// <summary>The dimensions of a float vector column, e.g. [C, H, W] for images or [F, C, H, W] for trajectories.</summary>
    public static int[] Dimensions(IDataView view, string column)
    {
        ArgumentNullException.ThrowIfNull(view);
        var col = view.Schema.GetColumnOrNull(column) ?? throw new ArgumentException($"the data has no column '{column}'", nameof(column));
        return col.Type is VectorDataViewType { Dimensions.Length: > 0 } vector
            ? vector.Dimensions.ToArray()
            : throw new ArgumentException($"column '{column}' is not a float vector with dimensions", nameof(column));
    }

    /// <summary>Root mean square difference per pixel between two image sets of the same shape, after clamping both to [-1, 1].</summary>
    public static double RmsDistance(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b)
    {
        if (a.Count != b.Count || a.Count == 0) throw new ArgumentException($"need two non-empty sets of the same size ({a.Count} vs {b.Count})");
        double sum = 0;
        long count = 0;
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i].Length != b[i].Length) throw new ArgumentException($"image {i} differs in size");
            for (int k = 0; k < a[i].Length; k++)
            {
                double d = Math.Clamp(a[i][k], -1f, 1f) - Math.Clamp(b[i][k], -1f, 1f);
                sum += d * d;
            }
            count += a[i].Length;
        }
        return Math.Sqrt(sum / count);
    }
}
