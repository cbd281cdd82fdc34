using Google.Protobuf;
using Onnx;
using TorchSharp.Modules;

namespace Dsno.Onnx;

/// <summary>
/// Builds one ONNX graph (opset 17, default domain only, float32 activations) node by node. The network modules call it from their
/// <c>ExportOnnx</c> methods (one per module, in a file beside the module), passing value names in and getting value names back.
/// Initializers are copied out of the modules' tensors at the moment they are added, so the graph does not hold on to any tensor.
/// </summary>
public sealed class OnnxGraphBuilder
{
    /// <summary>The only operator set the exporter writes (ONNX 1.12's default domain).</summary>
    public const int OpsetVersion = 17;

    /// <summary>ONNX IR version that goes with opset 17.</summary>
    public const long IrVersion = 8;

    internal const int Float32 = (int)TensorProto.Types.DataType.Float;
    internal const int Int64 = (int)TensorProto.Types.DataType.Int64;

    private readonly GraphProto graph = new() { Name = "dsno" };
    private readonly Dictionary<string, int> nameCounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> sharedConstants = new(StringComparer.Ordinal);

    /// <summary>The graph built so far.</summary>
    public GraphProto Graph => graph;

    /// <summary>Declares a graph input; a null dimension is symbolic and named by <paramref name="symbol"/>.</summary>
    public string Input(string name, int elementType, long?[] dims, string symbol = "N")
    {
        Reserve(name);
        graph.Input.Add(ValueInfo(name, elementType, dims, symbol));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> a graph output under <paramref name="name"/> (an Identity node renames it).</summary>
    public string Output(string value, string name, int elementType, long?[] dims, string symbol = "N")
    {
        Reserve(name);
        graph.Node.Add(NewNode("Identity", new[] { value }, new[] { name }, Unique("output")));
        graph.Output.Add(ValueInfo(name, elementType, dims, symbol));
        return name;
    }

    /// <summary>Adds a float32 initializer from <paramref name="values"/> with shape <paramref name="dims"/>.</summary>
    public string Initializer(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        if (count != values.Length)
            throw new ArgumentException($"initializer {name}: {values.Length} values for shape [{string.Join(", ", dims)}]", nameof(values));
        var bytes = new byte[values.Length * sizeof(float)];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).CopyTo(bytes);
        if (!BitConverter.IsLittleEndian) ReverseEach(bytes, sizeof(float));
        return AddInitializer(name, Float32, bytes, dims);
    }

    /// <summary>Adds a float32 initializer holding a copy of <paramref name="tensor"/>, optionally reshaped to <paramref name="dims"/>.</summary>
    public string Initializer(string name, Tensor tensor, params long[] dims)
    {
        using var scope = torch.NewDisposeScope();
        var cpu = tensor.detach().to(ScalarType.Float32, torch.CPU).contiguous();
        var shape = dims.Length == 0 ? cpu.shape : dims;
        return Initializer(name, cpu.data<float>().ToArray(), shape);
    }

    /// <summary>An int64 constant (shapes, axes, indices); equal constants are shared. Scalar when <paramref name="scalar"/>.</summary>
    public string Int64s(long[] values, bool scalar = false)
    {
        if (scalar && values.Length != 1) throw new ArgumentException("a scalar constant holds exactly one value", nameof(values));
        return Shared((scalar ? "s:" : "v:") + string.Join(",", values), () =>
        {
            var bytes = new byte[values.Length * sizeof(long)];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            if (!BitConverter.IsLittleEndian) ReverseEach(bytes, sizeof(long));
            return AddInitializer(Unique("const"), Int64, bytes, scalar ? Array.Empty<long>() : new long[] { values.Length });
        });
    }

    /// <summary>A float32 scalar constant; equal constants are shared.</summary>
    public string Scalar(float value) => Shared("f:" + BitConverter.SingleToInt32Bits(value), () => Initializer(Unique("const"), new[] { value }));

    /// <summary>The constant stored under <paramref name="key"/>, added by <paramref name="add"/> the first time it is asked for.</summary>
    private string Shared(string key, Func<string> add)
    {
        if (!sharedConstants.TryGetValue(key, out var name)) sharedConstants[key] = name = add();
        return name;
    }

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string Node(string opType, string[] inputs, string hint, params AttributeProto[] attributes) =>
        Nodes(opType, inputs, 1, hint, attributes)[0];

    /// <summary>Adds a node with <paramref name="outputs"/> outputs and returns their names.</summary>
    public string[] Nodes(string opType, string[] inputs, int outputs, string hint, params AttributeProto[] attributes)
    {
        var names = Enumerable.Range(0, outputs).Select(i => Unique(outputs == 1 ? hint : $"{hint}_{i}")).ToArray();
        var node = NewNode(opType, inputs, names, Unique(hint + "_" + opType));
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
        return names;
    }

    // ---- attributes ----

    /// <summary>An integer attribute.</summary>
    public static AttributeProto Attribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    public static AttributeProto Attribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A string attribute.</summary>
    public static AttributeProto Attribute(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>An integer-list attribute.</summary>
    public static AttributeProto Attribute(string name, long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    // ---- the small compositions every module uses ----

    /// <summary>Reshape to a constant shape (0 copies the input's dimension, -1 is inferred).</summary>
    public string Reshape(string x, long[] shape, string hint) => Node("Reshape", new[] { x, Int64s(shape) }, hint);

    /// <summary>x * sigmoid(x) (opset 17 has no SiLU operator).</summary>
    public string Silu(string x, string hint) => Node("Mul", new[] { x, Node("Sigmoid", new[] { x }, hint + "_sigmoid") }, hint);

    /// <summary>A 2-D convolution with the module's weight, bias, stride, padding, dilation and groups.</summary>
    public string Conv(Conv2d conv, string x, string hint)
    {
        if (conv.padding_mode != PaddingModes.Zeros)
            throw new NotSupportedException($"{hint}: only zero padding is exported, found {conv.padding_mode}");
        if (conv.padding_type is not null)
            throw new NotSupportedException($"{hint}: only explicit padding is exported, found {conv.padding_type}");
        var inputs = new List<string> { x, Initializer(hint + ".weight", conv.weight!) };
        if (conv.bias is not null) inputs.Add(Initializer(hint + ".bias", conv.bias));
        var padding = conv.padding ?? throw new NotSupportedException($"{hint}: the convolution has no explicit padding");
        var pads = padding.Concat(padding).ToArray();
        return Node("Conv", inputs.ToArray(), hint,
            Attribute("kernel_shape", conv.kernel_size), Attribute("strides", conv.stride), Attribute("pads", pads),
            Attribute("dilations", conv.dilation), Attribute("group", conv.groups));
    }

    /// <summary>y = x W^T + b for x [rows, in] (Gemm with transB).</summary>
    public string Linear(Linear linear, string x, string hint)
    {
        var inputs = new List<string> { x, Initializer(hint + ".weight", linear.weight!) };
        if (linear.bias is not null) inputs.Add(Initializer(hint + ".bias", linear.bias));
        return Node("Gemm", inputs.ToArray(), hint, Attribute("transB", 1L));
    }

    /// <summary>
    /// GroupNorm of x [N, C, H, W] as Reshape [N, G, C/G*H*W], InstanceNormalization (unit scale, zero shift), Reshape back, then the
    /// per-channel affine Mul and Add.
    /// </summary>
    public string GroupNorm(GroupNorm norm, string x, long channels, string hint)
    {
        long groups = norm.num_groups;
        if (channels % groups != 0) throw new ArgumentException($"{hint}: {channels} channels do not split into {groups} groups");
        var grouped = Reshape(x, new[] { 0, groups, -1 }, hint + "_grouped");
        var ones = Initializer(hint + ".unit_scale", Enumerable.Repeat(1f, (int)groups).ToArray(), groups);
        var zeros = Initializer(hint + ".zero_shift", new float[groups], groups);
        var normalized = Node("InstanceNormalization", new[] { grouped, ones, zeros }, hint + "_normalized", Attribute("epsilon", (float)norm.eps));
        var shaped = Node("Reshape", new[] { normalized, Node("Shape", new[] { x }, hint + "_shape") }, hint + "_ungrouped");
        if (norm.weight is null) return shaped;
        var scaled = Node("Mul", new[] { shaped, Initializer(hint + ".weight", norm.weight, channels, 1, 1) }, hint + "_scaled");
        return Node("Add", new[] { scaled, Initializer(hint + ".bias", norm.bias!, channels, 1, 1) }, hint);
    }

    /// <summary>The model: this graph, opset 17, and the given metadata.</summary>
    public ModelProto Build(string producerVersion, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Dsno",
            ProducerVersion = producerVersion,
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        foreach (var (key, value) in metadata) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    /// <summary>A fresh value or node name starting with <paramref name="hint"/>.</summary>
    public string Unique(string hint)
    {
        if (!nameCounts.TryGetValue(hint, out int count))
        {
            nameCounts[hint] = 1;
            return hint;
        }
        string name;
        do name = $"{hint}_{count++}";
        while (nameCounts.ContainsKey(name));
        nameCounts[hint] = count;
        nameCounts[name] = 1;
        return name;
    }

    private void Reserve(string name)
    {
        if (nameCounts.ContainsKey(name)) throw new InvalidOperationException($"the graph already has a value named '{name}'");
        nameCounts[name] = 1;
    }

    private string AddInitializer(string hint, int elementType, byte[] raw, long[] dims)
    {
        string name = Unique(hint);
        var tensor = new TensorProto { Name = name, DataType = elementType, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.AddRange(dims);
        graph.Initializer.Add(tensor);
        return name;
    }

    private static NodeProto NewNode(string opType, string[] inputs, string[] outputs, string name)
    {
        var node = new NodeProto { OpType = opType, Name = name, Domain = "" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    private static ValueInfoProto ValueInfo(string name, int elementType, long?[] dims, string symbol)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is { } size ? new TensorShapeProto.Types.Dimension { DimValue = size } : new TensorShapeProto.Types.Dimension { DimParam = symbol });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } },
        };
    }

    private static void ReverseEach(byte[] bytes, int width)
    {
        for (int i = 0; i < bytes.Length; i += width) Array.Reverse(bytes, i, width);
    }
}
