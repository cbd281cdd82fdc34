namespace Dsno.MLNet.Internal;

/// <summary>
/// An output column of a <see cref="BatchedMapping"/>: a known-size <see cref="float"/> vector with dimensions, and optional
/// float-vector and text annotations (for example the frame times <c>Times</c> and the <c>FrameKind</c> of a trajectory).
/// </summary>
internal sealed class BatchOutputColumn
{
    private readonly (string Name, float[] Values)[] _annotations;
    private readonly (string Name, string Value)[] _textAnnotations;

    /// <summary>Describes an output column.</summary>
    /// <param name="name">Column name; an input column of the same name is hidden, as ML.NET transforms do.</param>
    /// <param name="dimensions">One or more positive dimensions, for example <c>[F, C, H, W]</c>.</param>
    /// <param name="floatVectorAnnotations">Annotations of type vector of float, by name; copied.</param>
    /// <param name="textAnnotations">Annotations of type text, by name.</param>
    public BatchOutputColumn(string name, int[] dimensions, IEnumerable<KeyValuePair<string, float[]>>? floatVectorAnnotations = null,
        IEnumerable<KeyValuePair<string, string>>? textAnnotations = null)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("A column name cannot be null or empty.", nameof(name));
        if (dimensions is null || dimensions.Length == 0 || dimensions.Any(d => d <= 0))
            throw new ArgumentOutOfRangeException(nameof(dimensions), $"Output column '{name}' needs one or more positive dimensions.");
        Name = name;
        Dimensions = (int[])dimensions.Clone();
        Size = dimensions.Aggregate(1, (a, d) => checked(a * d));
        _annotations = (floatVectorAnnotations ?? Array.Empty<KeyValuePair<string, float[]>>())
            .Select(a => (a.Key, (float[])a.Value.Clone())).ToArray();
        if (_annotations.Any(a => string.IsNullOrEmpty(a.Name) || a.Values.Length == 0))
            throw new ArgumentException($"Annotations of output column '{name}' need a name and at least one value.", nameof(floatVectorAnnotations));
        _textAnnotations = (textAnnotations ?? Array.Empty<KeyValuePair<string, string>>()).Select(a => (a.Key, a.Value)).ToArray();
        if (_textAnnotations.Any(a => string.IsNullOrEmpty(a.Name) || a.Value is null))
            throw new ArgumentException($"Text annotations of output column '{name}' need a name and a value.", nameof(textAnnotations));
        var names = _annotations.Select(a => a.Name).Concat(_textAnnotations.Select(a => a.Name)).ToList();
        if (names.Distinct().Count() != names.Count)
            throw new ArgumentException($"Output column '{name}' has two annotations with the same name.", nameof(floatVectorAnnotations));
        Type = new VectorDataViewType(NumberDataViewType.Single, Dimensions);
    }

    private BatchOutputColumn(string name, int channels, int height, int width) : this(name, new[] { channels, height, width })
    {
        IsImage = true;
        Type = new Microsoft.ML.Transforms.Image.ImageDataViewType(height, width);
    }

    /// <summary>
    /// An image column: the mapping writes C*H*W floats [C, H, W] in [-1, 1] per row (C = 1 or 3), and readers get an
    /// <see cref="MLImage"/> drawn from them (<see cref="MLImageColumn.Draw"/>) at each read.
    /// </summary>
    public static BatchOutputColumn Image(string name, int channels, int height, int width) => new(name, channels, height, width);

    /// <summary>The column name.</summary>
    public string Name { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public int[] Dimensions { get; }

    /// <summary>Values per row: the product of the dimensions.</summary>
    public int Size { get; }

    /// <summary>The ML.NET column type: a vector of <see cref="float"/> with <see cref="Dimensions"/>, or an image type.</summary>
    public DataViewType Type { get; }

    /// <summary>Whether the column holds images drawn from its values (<see cref="Image"/>).</summary>
    public bool IsImage { get; }

    /// <summary>The ML.NET annotations of the column.</summary>
    internal DataViewSchema.Annotations BuildAnnotations()
    {
        var builder = new DataViewSchema.Annotations.Builder();
        foreach (var (name, values) in _annotations)
        {
            ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> dst) => VBuffer<float>.Copy(values, 0, ref dst, values.Length);
            builder.Add(name, new VectorDataViewType(NumberDataViewType.Single, values.Length), getter);
        }
        foreach (var (name, value) in _textAnnotations)
        {
            var text = value.AsMemory();
            builder.Add(name, TextDataViewType.Instance, (ref ReadOnlyMemory<char> dst) => dst = text);
        }
        return builder.ToAnnotations();
    }
}
