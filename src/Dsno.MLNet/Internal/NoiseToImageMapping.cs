using Dsno.Diffusion;
using Dsno.Networks;
using TorchSharp;

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
    private readonly BatchedMapping? _perRowMapping;
    private readonly Func<Exception>? _guidanceRefusal;
    private readonly MLImageColumn.Request? _mlImage;
    private readonly int _classes;

    /// <param name="architecture">The network's shape and class count (a label column is read when it has classes).</param>
    /// <param name="settings">The transformer's settings: its columns (the per-row guidance column among them) and batch size.</param>
    /// <param name="times">The times of the trajectory frames.</param>
    /// <param name="kind">What the trajectory frames hold (the <see cref="TrajectoryAnnotations.FrameKind"/> annotation).</param>
    /// <param name="map">Fills output 0 (trajectory) and 1 (image) from input 0 (noise) and, for a class-conditional model, input 1 (labels).</param>
    /// <param name="gate">The object locked around every batch (the network: one forward at a time).</param>
    /// <param name="guidanceRefusal">
    /// Null when the model reads per-row guidance scales from an input that has the guidance column (then input
    /// <see cref="GuidanceInput"/>, see <see cref="Guidance"/>); otherwise the error such an input raises.
    /// </param>
    /// <param name="guidance">The guidance scale w the trajectory column's <c>Guidance</c> annotation records, or null for none.</param>
    public NoiseToImageMapping(UNetOptions architecture, GenerationSettings settings, IReadOnlyList<double> times, FrameKind kind,
        Action<InputBatch, OutputBatch> map, object gate, Func<Exception>? guidanceRefusal, double? guidance)
    {
        _settings = settings;
        _guidanceRefusal = guidanceRefusal;
        _classes = architecture.NumClasses;
        var a = architecture;
        var inputs = new List<BatchInputColumn> { BatchInputColumn.FloatVector(settings.NoiseColumnName, a.Channels, a.Height, a.Width) };
        if (a.NumClasses > 0) inputs.Add(BatchInputColumn.Integer(LabelColumn));
        var annotations = new Dictionary<string, float[]> { [TrajectoryAnnotations.Times] = times.Select(t => (float)t).ToArray() };
        if (guidance is { } w) annotations[DiffusionTeacherTransformer.GuidanceAnnotation] = new[] { (float)w };
        var outputs = new[]
        {
            new BatchOutputColumn(settings.OutputTrajectoryColumn, new[] { times.Count, a.Channels, a.Height, a.Width }, annotations,
                new Dictionary<string, string> { [TrajectoryAnnotations.FrameKind] = kind.ToString() }),
            new BatchOutputColumn(settings.OutputImageColumnName, new[] { a.Channels, a.Height, a.Width }),
        };
        _mapping = new BatchedMapping(inputs, outputs, settings.TransformBatchSize, map, gate);
        // A second view of the same model that also reads the per-row guidance column, used when the input has one.
        if (guidanceRefusal is null && !string.IsNullOrEmpty(settings.GuidanceColumnName))
        {
            GuidanceInput = inputs.Count;
            inputs.Add(BatchInputColumn.Float(settings.GuidanceColumnName));
            _perRowMapping = new BatchedMapping(inputs, outputs, settings.TransformBatchSize, map, gate);
        }
        _mlImage = settings.OutputMLImage ? new(settings.OutputImageColumnName, settings.MLImageColumnName, a.Channels, a.Height, a.Width) : null;
    }

    /// <summary>Index of the per-row guidance input in the batches of the guidance view, or -1 when there is none.</summary>
    public int GuidanceInput { get; } = -1;

    /// <summary>The label column's name.</summary>
    public string LabelColumn => _settings.LabelColumn;

    /// <inheritdoc cref="ITransformer.GetOutputSchema"/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => MLImageColumn.Schema(For(inputSchema).GetOutputSchema(inputSchema), _mlImage);

    /// <inheritdoc cref="ITransformer.Transform"/>
    public IDataView Transform(IDataView input) => MLImageColumn.Append(For(input?.Schema!).Transform(input!), _mlImage);

    /// <inheritdoc cref="ITransformer.GetRowToRowMapper"/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => MLImageColumn.Mapper(For(inputSchema).GetRowToRowMapper(inputSchema), _mlImage);

    /// <summary>
    /// A batch's noise [N, C, H, W] and, for a class-conditional model, its labels [N] on <paramref name="device"/>, each label checked
    /// to be in [0, classes) (an error names the column and the value). They join the current dispose scope.
    /// </summary>
    public (torch.Tensor Noise, torch.Tensor? Labels) Inputs(InputBatch input, torch.Device device)
    {
        var noise = input.FloatTensor(0, device);
        if (_classes == 0) return (noise, null);
        var labels = input.IntegerTensor(1, device);
        long min = labels.min().item<long>(), max = labels.max().item<long>();
        if (min < 0)
            throw new InvalidDataException($"column '{LabelColumn}': a row has a missing or negative label; every row needs a class in 0..{_classes - 1}");
        if (max >= _classes)
            throw new ArgumentOutOfRangeException(LabelColumn, max, $"column '{LabelColumn}': label {max} is outside the {_classes} classes the model was trained with (0..{_classes - 1})");
        return (noise, labels);
    }

    /// <summary>
    /// The per-row guidance scales of a batch of the guidance view, each checked (finite, &gt;= 0), or null for a batch without them.
    /// </summary>
    public float[]? Guidance(InputBatch input)
    {
        if (GuidanceInput < 0 || !input.HasInput(GuidanceInput)) return null;
        var values = input.Floats(GuidanceInput);
        foreach (float v in values)
            if (!float.IsFinite(v) || v < 0)
                throw new ArgumentOutOfRangeException(_settings.GuidanceColumnName, v,
                    $"column '{_settings.GuidanceColumnName}': a guidance scale must be a finite number >= 0, found {v.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return values;
    }

    /// <summary>The view for an input schema: the per-row guidance view when the input has the guidance column.</summary>
    private BatchedMapping For(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        string? column = _settings.GuidanceColumnName;
        if (string.IsNullOrEmpty(column) || inputSchema.GetColumnOrNull(column) is null) return _mapping;
        return _perRowMapping ?? throw _guidanceRefusal!();
    }

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
