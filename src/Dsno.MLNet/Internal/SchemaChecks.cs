namespace Dsno.MLNet.Internal;

/// <summary>
/// Checks input columns, both on a real schema (<see cref="DataViewSchema"/>, when transforming) and on an estimator's
/// <see cref="SchemaShape"/> (when fitting), with messages that name the column, what was expected and what was found.
/// </summary>
/// <remarks>
/// A schema that does not fit raises <see cref="ArgumentOutOfRangeException"/> with the schema as the parameter, as ML.NET's own
/// transforms do.
/// </remarks>
internal static class SchemaChecks
{
    // ---- DataViewSchema ----

    /// <summary>The visible column <paramref name="name"/>, or a clear error listing the columns that exist.</summary>
    internal static DataViewSchema.Column RequireColumn(DataViewSchema schema, string name, string paramName = "inputSchema")
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(paramName,
                $"Input column '{name}' is missing; the input has: {Describe(schema.Where(c => !c.IsHidden).Select(c => c.Name))}.");
    }

    /// <summary>
    /// The column <paramref name="name"/>, which must be a known-size vector of <see cref="float"/> holding the product of
    /// <paramref name="dimensions"/> values; when it declares several dimensions, they must be <paramref name="dimensions"/>.
    /// </summary>
    internal static DataViewSchema.Column RequireFloatVector(DataViewSchema schema, string name, IReadOnlyList<int> dimensions,
        string paramName = "inputSchema")
    {
        var column = RequireColumn(schema, name, paramName);
        int size = dimensions.Aggregate(1, (a, d) => checked(a * d));
        bool ok = column.Type is VectorDataViewType { ItemType: NumberDataViewType { RawType: var raw } } vector && raw == typeof(float)
                  && vector.IsKnownSize && vector.Size == size
                  && (vector.Dimensions.Length <= 1 || vector.Dimensions.SequenceEqual(dimensions));
        return Check(column, ok, name, $"a known-size vector of Single with dimensions [{string.Join(", ", dimensions)}] ({size} values)",
            $"{column.Type}{DescribeDimensions(column.Type)}", paramName);
    }

    /// <summary>The column <paramref name="name"/>, which must be a scalar <see cref="float"/> or <see cref="double"/>.</summary>
    internal static DataViewSchema.Column RequireFloatScalar(DataViewSchema schema, string name, string paramName = "inputSchema")
    {
        var column = RequireColumn(schema, name, paramName);
        return Check(column, IsFloatScalar(column.Type), name, FloatScalar, $"{column.Type}", paramName);
    }

    /// <summary>Whether <paramref name="type"/> is a scalar <see cref="float"/> or <see cref="double"/>.</summary>
    internal static bool IsFloatScalar(DataViewType type) => type is NumberDataViewType { RawType: var raw } && (raw == typeof(float) || raw == typeof(double));

    /// <summary>The column <paramref name="name"/>, which must be a scalar <see cref="int"/>, <see cref="uint"/>, <see cref="long"/> or key.</summary>
    internal static DataViewSchema.Column RequireInteger(DataViewSchema schema, string name, string paramName = "inputSchema")
    {
        var column = RequireColumn(schema, name, paramName);
        return Check(column, IsIntegerOrKey(column.Type), name, Integer, $"{column.Type}", paramName);
    }

    /// <summary>The float-vector annotation <paramref name="annotationName"/> of <paramref name="column"/>.</summary>
    internal static float[] RequireFloatVectorAnnotation(DataViewSchema.Column column, string annotationName, string paramName = "inputSchema")
    {
        var annotation = column.Annotations.Schema.GetColumnOrNull(annotationName)
            ?? throw MissingAnnotation(column.Name, annotationName, column.Annotations.Schema.Select(c => c.Name), paramName);
        CheckAnnotation(annotation.Type is VectorDataViewType { ItemType: NumberDataViewType { RawType: var raw } } && raw == typeof(float),
            column.Name, annotationName, $"{annotation.Type}", paramName);
        VBuffer<float> values = default;
        column.Annotations.GetValue(annotationName, ref values);
        return values.DenseValues().ToArray();
    }

    /// <summary>Whether <paramref name="type"/> is a scalar <see cref="int"/>, <see cref="uint"/>, <see cref="long"/> or a key type.</summary>
    internal static bool IsIntegerOrKey(DataViewType type) =>
        type is KeyDataViewType || type.RawType == typeof(int) || type.RawType == typeof(uint) || type.RawType == typeof(long);

    // ---- SchemaShape (estimators) ----

    /// <summary>The shape column <paramref name="name"/>, or a clear error listing the columns that exist.</summary>
    internal static SchemaShape.Column RequireColumn(SchemaShape shape, string name, string paramName = "inputSchema")
    {
        ArgumentNullException.ThrowIfNull(shape);
        foreach (var column in shape)
            if (column.Name == name) return column;
        throw new ArgumentOutOfRangeException(paramName, $"Input column '{name}' is missing; the input has: {Describe(shape.Select(c => c.Name))}.");
    }

    /// <summary>The shape column <paramref name="name"/>, which must be a known-size vector of <see cref="float"/>.</summary>
    internal static SchemaShape.Column RequireFloatVector(SchemaShape shape, string name, string paramName = "inputSchema")
    {
        var column = RequireColumn(shape, name, paramName);
        return Check(column, IsFloatVector(column), name, "a known-size vector of Single", Describe(column), paramName);
    }

    /// <summary>The shape column <paramref name="name"/>, which must be a scalar <see cref="int"/>, <see cref="uint"/>, <see cref="long"/> or key.</summary>
    internal static SchemaShape.Column RequireInteger(SchemaShape shape, string name, string paramName = "inputSchema")
    {
        var column = RequireColumn(shape, name, paramName);
        bool ok = column.Kind == SchemaShape.Column.VectorKind.Scalar && (column.IsKey || IsIntegerOrKey(column.ItemType));
        return Check(column, ok, name, Integer, Describe(column), paramName);
    }

    /// <summary>Checks that <paramref name="column"/> promises the float-vector annotation <paramref name="annotationName"/>.</summary>
    internal static void RequireFloatVectorAnnotation(SchemaShape.Column column, string annotationName, string paramName = "inputSchema")
    {
        var annotation = column.Annotations.FirstOrDefault(a => a.Name == annotationName);
        if (annotation.Name is null) throw MissingAnnotation(column.Name, annotationName, column.Annotations.Select(c => c.Name), paramName);
        CheckAnnotation(IsFloatVector(annotation), column.Name, annotationName, Describe(annotation), paramName);
    }

    private const string FloatScalar = "a Single or Double scalar";
    private const string Integer = "a scalar Int32, UInt32, Int64 or key";

    private static bool IsFloatVector(SchemaShape.Column column) =>
        column.Kind == SchemaShape.Column.VectorKind.Vector && !column.IsKey && column.ItemType.RawType == typeof(float);

    /// <summary>Returns <paramref name="column"/> when <paramref name="ok"/>; otherwise throws "must be <paramref name="expected"/>; found ...".</summary>
    private static T Check<T>(T column, bool ok, string name, string expected, string found, string paramName) =>
        ok ? column : throw new ArgumentOutOfRangeException(paramName, $"Input column '{name}' must be {expected}; found {found}.");

    private static ArgumentOutOfRangeException MissingAnnotation(string column, string annotation, IEnumerable<string> present, string paramName) =>
        new(paramName, $"Input column '{column}' lacks the annotation '{annotation}' (a vector of Single); it has: {Describe(present)}.");

    private static void CheckAnnotation(bool ok, string column, string annotation, string found, string paramName)
    {
        if (!ok)
            throw new ArgumentOutOfRangeException(paramName, $"Annotation '{annotation}' of input column '{column}' must be a vector of Single; found {found}.");
    }

    private static string Describe(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? "(none)" : string.Join(", ", list.Select(n => $"'{n}'"));
    }

    private static string Describe(SchemaShape.Column column)
    {
        string item = column.IsKey ? $"Key<{column.ItemType}>" : $"{column.ItemType}";
        return column.Kind switch
        {
            SchemaShape.Column.VectorKind.Vector => $"Vector<{item}>",
            SchemaShape.Column.VectorKind.VariableVector => $"VarVector<{item}>",
            _ => item,
        };
    }

    private static string DescribeDimensions(DataViewType type) =>
        type is VectorDataViewType { Dimensions.Length: > 1 } vector ? $" with dimensions [{string.Join(", ", vector.Dimensions)}]" : "";
}
