namespace Dsno.MLNet;

/// <summary>
/// What <see cref="DiffusionTeacherTransformer"/> and <see cref="DsnoTransformer"/> share as ML.NET transformers: both map a
/// <c>Noise</c> column (and <c>Label</c>) to <c>Trajectory</c> and <c>Image</c> in batches, row to row, lazily, through the view
/// that fits the input schema.
/// </summary>
public abstract class NoiseToImageTransformer : ITransformer
{
    private protected NoiseToImageTransformer() { }

    /// <summary>The batched mapping from noise to trajectory and image (set by the derived constructor).</summary>
    private protected NoiseToImageMapping Mapping { get; init; } = null!;

    /// <summary>Writes the transformer into an ML.NET model file.</summary>
    private protected abstract void SaveModel(ModelSaveContext ctx);

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Mapping.GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => Mapping.Transform(input);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => Mapping.GetRowToRowMapper(inputSchema);

    void ICanSaveModel.Save(ModelSaveContext ctx) => SaveModel(ctx);
}
