using Dsno.Data;

namespace Dsno.MLNet.Internal;

/// <summary>Reads an image column (and an optional label column) of a view into a core <see cref="ImageSet"/>.</summary>
internal static class ImageColumnData
{
    /// <summary>Tolerance beyond [-1, 1] before values are taken for another scale (0..1 or 0..255).</summary>
    private const float RangeSlack = 0.05f;

    public static ImageSet Read(IDataView view, string imageColumn, string? labelColumn, int classCount, bool clamp = false)
    {
        var image = SchemaChecks.RequireColumn(view.Schema, imageColumn, nameof(view));
        if (image.Type is not VectorDataViewType { ItemType: var item, Dimensions: { Length: 3 } dims } || item != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(view),
                $"Input column '{imageColumn}' must be a Single vector with dimensions [C, H, W]; found {image.Type}. " +
                "Declare the dimensions (for example with a SchemaDefinition) or load images with mlContext.Data.LoadDigits / LoadIdxImages / LoadImageFolder.");
        int c = dims[0], h = dims[1], w = dims[2], size = c * h * w;
        DataViewSchema.Column? label = labelColumn is null ? null : SchemaChecks.RequireInteger(view.Schema, labelColumn, nameof(view));

        var pixels = new List<float>();
        var labels = label is null ? null : new List<int>();
        var buffer = new float[size];
        using (var cursor = view.GetRowCursor(label is null ? new[] { image } : new[] { image, label.Value }))
        {
            var getImage = ColumnReaders.FloatVector(cursor, image, size);
            var getLabel = label is null ? null : ColumnReaders.Label(cursor, label.Value);
            while (cursor.MoveNext())
            {
                getImage(buffer);
                for (int i = 0; i < size; i++)
                {
                    float v = buffer[i];
                    if (!float.IsFinite(v)) throw new InvalidDataException($"column '{imageColumn}': row {cursor.Position} holds a NaN or infinite value");
                    if (clamp) buffer[i] = Math.Clamp(v, -1f, 1f);
                    else if (v < -1 - RangeSlack || v > 1 + RangeSlack)
                        throw new InvalidDataException($"column '{imageColumn}': row {cursor.Position} holds {v}; images must be scaled to [-1, 1]");
                }
                pixels.AddRange(buffer);
                labels?.Add(checked((int)getLabel!()));
            }
        }
        int count = pixels.Count / size;
        if (count == 0) throw new InvalidOperationException($"the training data has no rows (column '{imageColumn}')");
        int classes = 0;
        if (labels is not null)
        {
            classes = classCount > 0 ? classCount : Math.Max(ColumnReaders.DeclaredClassCount(label!.Value), labels.Max() + 1);
            int bad = labels.FindIndex(l => l >= classes);
            if (bad >= 0) throw new ArgumentOutOfRangeException(nameof(classCount), $"column '{labelColumn}': row {bad} has label {labels[bad]}, outside the {classes} classes");
        }
        return new ImageSet(pixels.ToArray(), count, c, h, w, labels?.ToArray(), classes, name: imageColumn);
    }
}
