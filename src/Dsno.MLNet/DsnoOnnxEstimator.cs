using Dsno.Onnx;

namespace Dsno.MLNet;

/// <summary>
/// Runs an exported DSNO file (<see cref="DsnoTransformer.ExportOnnx(string)"/>) with ML.NET's stock <c>ApplyOnnxModel</c>, after checking
/// the input columns against the file's metadata so that noise of another architecture fails early with a message naming the column,
/// the ONNX input and the file. <see cref="Fit"/> returns a plain <see cref="TransformerChain{T}"/> of stock transformers: a copy of the noise column named
/// <c>noise</c>, for a class-conditional model the label as a one-value int64 vector named <c>labels</c>, for a w-conditioned model the
/// guidance scale as a one-value float vector named <c>guidance</c>, and the ONNX transformer,
/// which adds the vector columns <c>image</c> (C*H*W values) and <c>trajectory</c> (M*C*H*W values), one row per ONNX Runtime call.
/// </summary>
public sealed class DsnoOnnxEstimator : IEstimator<ITransformer>
{
    private readonly MLContext _ml;
    private readonly string _modelFile;
    private readonly string _noiseColumnName;
    private readonly string? _labelColumnName;
    private readonly string? _guidanceColumnName;

    internal DsnoOnnxEstimator(MLContext ml, string modelFile, string noiseColumnName, string? labelColumnName, string? guidanceColumnName = null)
    {
        _ml = ml;
        _modelFile = modelFile;
        _noiseColumnName = noiseColumnName;
        _labelColumnName = labelColumnName;
        Metadata = DsnoOnnxMetadata.ReadFile(modelFile);
        if (Metadata.Classes > 0 && labelColumnName is null)
            throw new ArgumentException($"ONNX model '{modelFile}' is class-conditional ({Metadata.Classes} classes): give the label column", nameof(labelColumnName));
        if (Metadata.Classes == 0 && labelColumnName is not null)
            throw new ArgumentException($"ONNX model '{modelFile}' is unconditional: give no label column", nameof(labelColumnName));
        if (Metadata.GuidanceRange is null && guidanceColumnName is not null)
            throw new ArgumentException($"ONNX model '{modelFile}' does not take the guidance scale as an input: give no guidance column", nameof(guidanceColumnName));
        _guidanceColumnName = Metadata.GuidanceRange is null ? null : guidanceColumnName ?? DsnoColumnNames.Guidance;
    }

    /// <summary>What the file says about itself (frame times, image shape, classes).</summary>
    public DsnoOnnxMetadata Metadata { get; }

    /// <inheritdoc/>
    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Check(input.Schema.GetColumnOrNull(_noiseColumnName)?.Type);
        if (_labelColumnName is not null && input.Schema.GetColumnOrNull(_labelColumnName) is null)
            throw new ArgumentOutOfRangeException(nameof(input), $"the input has no label column '{_labelColumnName}'");
        if (_guidanceColumnName is not null && input.Schema.GetColumnOrNull(_guidanceColumnName) is null)
            throw new ArgumentOutOfRangeException(nameof(input),
                $"ONNX model '{_modelFile}' takes the guidance scale w as an input (trained on [{Metadata.GuidanceRange![0]}, {Metadata.GuidanceRange[1]}]): the input has no guidance column '{_guidanceColumnName}'");
        return Chain().Fit(input);
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var noise = inputSchema.FirstOrDefault(c => c.Name == _noiseColumnName);
        if (noise.Name is null)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"the input has no noise column '{_noiseColumnName}'");
        if (noise.Kind != SchemaShape.Column.VectorKind.Vector || noise.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), Mismatch($"is {noise.Kind} of {noise.ItemType}"));
        return Chain().GetOutputSchema(inputSchema);
    }

    private void Check(DataViewType? type)
    {
        if (type is null) throw new ArgumentOutOfRangeException("input", $"the input has no noise column '{_noiseColumnName}'");
        int expected = Metadata.Channels * Metadata.Height * Metadata.Width;
        if (type is not VectorDataViewType { ItemType: var item } vector || item != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException("input", Mismatch($"has type {type}"));
        if (vector.Size != expected)
            throw new ArgumentOutOfRangeException("input", Mismatch(vector.Size == 0 ? "has rows of unknown length" : $"has {vector.Size} values per row"));
    }

    private string Mismatch(string found)
    {
        var m = Metadata;
        return $"column '{_noiseColumnName}' {found}, but ONNX model '{_modelFile}' (input '{DsnoOnnxMetadata.NoiseInput}' [N, {m.Channels}, {m.Height}, {m.Width}]) " +
               $"takes a float vector of {m.Channels * m.Height * m.Width} values per row; was the file exported from another architecture?";
    }

    private IEstimator<ITransformer> Chain()
    {
        var chain = new EstimatorChain<ITransformer>().Append<ITransformer>(_ml.Transforms.CopyColumns(DsnoOnnxMetadata.NoiseInput, _noiseColumnName));
        var inputs = new List<string> { DsnoOnnxMetadata.NoiseInput };
        // ApplyOnnxModel feeds a scalar column as [1, 1] but a one-value vector as [1], which is what 'labels' and 'guidance' [N] take.
        void AddAsVector(string input, string? column, DataKind kind)
        {
            if (column is null) return;
            string scalar = $"{input}.{kind.ToString().ToLowerInvariant()}";
            chain = chain.Append<ITransformer>(_ml.Transforms.Conversion.ConvertType(scalar, column, kind))
                .Append<ITransformer>(_ml.Transforms.Concatenate(input, scalar));
            inputs.Add(input);
        }
        AddAsVector(DsnoOnnxMetadata.LabelsInput, _labelColumnName, DataKind.Int64);
        AddAsVector(DsnoOnnxMetadata.GuidanceInput, _guidanceColumnName, DataKind.Single);
        return chain.Append<ITransformer>(_ml.Transforms.ApplyOnnxModel(new[] { DsnoOnnxMetadata.ImageOutput, DsnoOnnxMetadata.TrajectoryOutput }, inputs.ToArray(), _modelFile));
    }
}
