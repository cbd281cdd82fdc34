namespace Dsno.MLNet;

/// <summary>
/// What <see cref="DiffusionTeacherTransformer"/> and <see cref="DsnoTransformer"/> share as ML.NET transformers: both map a
/// <c>Noise</c> column (and <c>Label</c>) to <c>Trajectory</c> and <c>Image</c> in batches, row to row, lazily, through the view
/// that fits the input schema.
/// </summary>
public abstract class NoiseToImageTransformer : ITransformer
{
    private protected NoiseToImageTransformer() { }

    /// <summary>The mapping for an input schema (the per-row guidance view when the input has the guidance column).</summary>
    private protected abstract NoiseToImageMapping MappingFor(DataViewSchema inputSchema);

    /// <summary>Writes the transformer into an ML.NET model file.</summary>
    private protected abstract void SaveModel(ModelSaveContext ctx);

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => MappingFor(inputSchema).GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => MappingFor(input?.Schema!).Transform(input!);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => MappingFor(inputSchema).GetRowToRowMapper(inputSchema);

    void ICanSaveModel.Save(ModelSaveContext ctx) => SaveModel(ctx);
}
