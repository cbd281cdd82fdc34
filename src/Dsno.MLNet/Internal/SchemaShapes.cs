namespace Dsno.MLNet.Internal;

/// <summary>Builds the <see cref="SchemaShape"/> promises an estimator's <c>GetOutputSchema</c> returns.</summary>
internal static class SchemaShapes
{
    /// <summary>A known-size float vector column, with float-vector annotations of the given names.</summary>
    internal static SchemaShape.Column FloatVector(string name, params string[] floatVectorAnnotations) =>
        FloatVector(name, floatVectorAnnotations, Array.Empty<string>());

    /// <summary>A known-size float vector column, with float-vector and text annotations of the given names.</summary>
    internal static SchemaShape.Column FloatVector(string name, string[] floatVectorAnnotations, string[] textAnnotations)
    {
        var columns = floatVectorAnnotations
            .Select(a => MlNetInternals.CreateShapeColumn(a, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, isKey: false))
            .Concat(textAnnotations.Select(a => MlNetInternals.CreateShapeColumn(a, SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance, isKey: false)))
            .ToList();
        SchemaShape? annotations = columns.Count == 0 ? null : new SchemaShape(columns);
        return MlNetInternals.CreateShapeColumn(name, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, isKey: false, annotations);
    }

    /// <summary>An image column (<see cref="Microsoft.ML.Transforms.Image.ImageDataViewType"/>; its size is only known once fitted).</summary>
    internal static SchemaShape.Column Image(string name) =>
        MlNetInternals.CreateShapeColumn(name, SchemaShape.Column.VectorKind.Scalar, new Microsoft.ML.Transforms.Image.ImageDataViewType(), isKey: false);

    /// <summary>
    /// The output columns of a generator: the trajectory (with its Times and FrameKind), the image and, when asked, the MLImage column.
    /// </summary>
    internal static IEnumerable<SchemaShape.Column> GeneratorOutputs(string trajectory, string image, string? mlImage)
    {
        yield return FloatVector(trajectory, new[] { TrajectoryAnnotations.Times }, new[] { TrajectoryAnnotations.FrameKind });
        yield return FloatVector(image);
        if (mlImage is not null) yield return Image(mlImage);
    }

    /// <summary>The shape of <paramref name="schema"/>'s visible columns and their annotations (ML.NET's own converter is internal).</summary>
    internal static SchemaShape FromSchema(DataViewSchema schema) =>
        new(schema.Where(c => !c.IsHidden).Select(c => ShapeOf(c.Name, c.Type, FromSchema(c.Annotations.Schema))));

    private static SchemaShape.Column ShapeOf(string name, DataViewType type, SchemaShape? annotations)
    {
        var kind = type is VectorDataViewType vector
            ? vector.IsKnownSize ? SchemaShape.Column.VectorKind.Vector : SchemaShape.Column.VectorKind.VariableVector
            : SchemaShape.Column.VectorKind.Scalar;
        var item = type is VectorDataViewType v ? v.ItemType : type;
        bool isKey = item is KeyDataViewType;
        var itemType = isKey ? ColumnTypeOfRaw(item.RawType) : item;
        return MlNetInternals.CreateShapeColumn(name, kind, itemType, isKey, annotations);
    }

    private static DataViewType ColumnTypeOfRaw(Type raw) =>
        raw == typeof(byte) ? NumberDataViewType.Byte
        : raw == typeof(ushort) ? NumberDataViewType.UInt16
        : raw == typeof(uint) ? NumberDataViewType.UInt32
        : NumberDataViewType.UInt64;

    /// <summary><paramref name="input"/> with <paramref name="outputs"/> added; an output replaces an input column of the same name.</summary>
    internal static SchemaShape WithColumns(SchemaShape input, IEnumerable<SchemaShape.Column> outputs)
    {
        var columns = input.ToDictionary(c => c.Name, StringComparer.Ordinal);
        foreach (var column in outputs) columns[column.Name] = column;
        return new SchemaShape(columns.Values);
    }
}
