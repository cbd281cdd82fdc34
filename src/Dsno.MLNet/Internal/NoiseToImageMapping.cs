using Dsno.Diffusion;
using Dsno.Networks;

namespace Dsno.MLNet.Internal;

/// <summary>
/// What the teacher's and DSNO's transformers share: Noise (and Label) in, Trajectory [F, C, H, W] with its Times and FrameKind annotations and
/// Image [C, H, W] out (plus an optional MLImage), computed lazily in batches by a model-specific function; the ITransformer members
/// built on that; and the save/load framing of a model whose network is saved beside its JSON settings.
/// </summary>
internal sealed class NoiseToImageMapping
{
    private readonly GenerationSettings _settings;
    private readonly BatchedMapping _mapping;
    private readonly MLImageColumn.Request? _mlImage;

    /// <param name="architecture">The network's shape and class count (a label column is read when it has classes).</param>
    /// <param name="settings">The transformer's settings: its columns and batch size.</param>
    /// <param name="times">The times of the trajectory frames.</param>
    /// <param name="kind">What the trajectory frames hold (the <see cref="TrajectoryAnnotations.FrameKind"/> annotation).</param>
    /// <param name="map">Fills output 0 (trajectory) and 1 (image) from input 0 (noise) and, for a class-conditional model, input 1 (labels).</param>
    /// <param name="gate">The object locked around every batch (the network: one forward at a time).</param>
    /// <param name="guidanceColumn">A float column of per-row guidance scales to read (input <see cref="GuidanceInput"/>), or null.</param>
    /// <param name="trajectoryAnnotations">More float-vector annotations of the trajectory column besides <c>Times</c>.</param>
    public NoiseToImageMapping(UNetOptions architecture, GenerationSettings settings, IReadOnlyList<double> times, FrameKind kind,
        Action<InputBatch, OutputBatch> map, object gate, string? guidanceColumn = null, IReadOnlyDictionary<string, float[]>? trajectoryAnnotations = null)
    {
        _settings = settings;
        var a = architecture;
        IsConditional = a.NumClasses > 0;
        var inputs = new List<BatchInputColumn> { BatchInputColumn.FloatVector(settings.NoiseColumnName, a.Channels, a.Height, a.Width) };
        if (IsConditional) inputs.Add(BatchInputColumn.Integer(LabelColumn));
        if (guidanceColumn is not null)
        {
            GuidanceInput = inputs.Count;
            inputs.Add(BatchInputColumn.Float(guidanceColumn));
        }
        var annotations = new Dictionary<string, float[]> { [TrajectoryAnnotations.Times] = times.Select(t => (float)t).ToArray() };
        if (trajectoryAnnotations is not null)
            foreach (var (name, value) in trajectoryAnnotations) annotations[name] = value;
        var outputs = new[]
        {
            new BatchOutputColumn(settings.OutputTrajectoryColumn, new[] { times.Count, a.Channels, a.Height, a.Width }, annotations,
                new Dictionary<string, string> { [TrajectoryAnnotations.FrameKind] = kind.ToString() }),
            new BatchOutputColumn(settings.OutputImageColumnName, new[] { a.Channels, a.Height, a.Width }),
        };
        _mapping = new BatchedMapping(inputs, outputs, settings.TransformBatchSize, map, gate);
        _mlImage = settings.OutputMLImage ? new(settings.OutputImageColumnName, settings.MLImageColumnName, a.Channels, a.Height, a.Width) : null;
    }

    /// <summary>Index of the per-row guidance input in a batch, or -1 when none is read.</summary>
    public int GuidanceInput { get; } = -1;

    /// <summary>Whether a label column is read.</summary>
    public bool IsConditional { get; }

    /// <summary>The label column's name.</summary>
    public string LabelColumn => _settings.LabelColumn;

    /// <summary>Batches run so far.</summary>
    public long BatchCalls => _mapping.BatchCalls;

    /// <inheritdoc cref="ITransformer.GetOutputSchema"/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => MLImageColumn.Schema(_mapping.GetOutputSchema(inputSchema), _mlImage);

    /// <inheritdoc cref="ITransformer.Transform"/>
    public IDataView Transform(IDataView input) => MLImageColumn.Append(_mapping.Transform(input), _mlImage);

    /// <inheritdoc cref="ITransformer.GetRowToRowMapper"/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => MLImageColumn.Mapper(_mapping.GetRowToRowMapper(inputSchema), _mlImage);

    /// <summary>Saves the settings as JSON and the network (written by <paramref name="writeModel"/>) as the weights.</summary>
    public static void Save<TSettings>(ModelSaveContext ctx, ModelKind kind, TSettings settings, Action<Stream> writeModel)
    {
        using var stream = new MemoryStream();
        writeModel(stream);
        ModelPersistence.Save(ctx, kind, new PersistedModel(ModelPersistence.ToJson(settings), stream.ToArray()));
    }

    /// <summary>
    /// Reads what <see cref="Save"/> wrote: the settings (checked by <paramref name="validate"/>, which throws through the error
    /// factory it is given) and the network (read by <paramref name="readModel"/>). Any damage surfaces as InvalidDataException.
    /// </summary>
    public static (TSettings Settings, TModel Model) Load<TSettings, TModel>(object ctx, ModelKind kind,
        Action<TSettings, Func<string, Exception>> validate, Func<Stream, string, TModel> readModel)
    {
        string signature = kind.LoaderSignature;
        var persisted = ModelPersistence.Load(ctx, kind);
        var settings = ModelPersistence.FromJson<TSettings>(persisted.OptionsJson, signature);
        validate(settings, msg => ModelPersistence.Corrupt(signature, msg));
        using var stream = new MemoryStream(persisted.Weights, writable: false);
        try { return (settings, readModel(stream, $"{signature} model")); }
        catch (InvalidDataException e) { throw ModelPersistence.Corrupt(signature, e.Message); }
    }
}
