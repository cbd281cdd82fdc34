using Dsno.Runtime;
using Dsno.MLNet.Internal;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using TorchSharp;
using TorchSharp.Modules;

// Declares the loader: collected when the in-memory loader assembly is built, with no code run before the first model load.
[assembly: ModelLoader(typeof(Dsno.Tests.MLNetInfrastructure.TestModel.TinyLinearTransformer),
    Dsno.Tests.MLNetInfrastructure.TestModel.TinyLinearTransformer.LoaderSignature)]

namespace Dsno.Tests.MLNetInfrastructure.TestModel;

/// <summary>
/// Test-only transformer built on Dsno.MLNet's infrastructure the way the real transformers are: a TorchSharp module run in batches
/// through <see cref="BatchedMapping"/>, saved with <see cref="ModelPersistence"/> and loaded by ML.NET through
/// <see cref="ModelLoaderRegistry"/>. Compiled into the tests and into the Dsno.ModelHost console app, which loads it in a fresh
/// process knowing only its loader signature.
/// </summary>
public sealed class TinyLinearTransformer : ITransformer
{
    /// <summary>The loader signature written into each sub-model header.</summary>
    public const string LoaderSignature = "DsnoTestTinyLinear";

    /// <summary>The weights' stream name (the zip entry's name).</summary>
    internal const string WeightsStream = ModelPersistence.WeightsStreamName;

    internal static readonly ModelKind Kind = new("DSNOTLIN", LoaderSignature, version: 1);

    private readonly SavedOptions _options;
    private readonly Linear _layer;
    private readonly BatchedMapping _mapping;

    internal TinyLinearTransformer(SavedOptions options, Linear layer)
    {
        _options = options;
        _layer = layer;
        _mapping = new BatchedMapping(
            new[] { BatchInputColumn.FloatVector(options.InputColumnName, options.InputSize) },
            new[]
            {
                new BatchOutputColumn(options.OutputColumnName, options.OutputDimensions,
                    new Dictionary<string, float[]> { ["Times"] = options.Times }),
                new BatchOutputColumn(options.NormColumnName, new[] { 1 }),
            },
            options.BatchSize, MapBatch, gate: layer);
    }

    /// <summary>Forward passes (batches) run so far by this instance.</summary>
    public long BatchCalls => _mapping.BatchCalls;

    /// <summary>The options as saved.</summary>
    internal SavedOptions Options => _options;

    /// <summary>The layer's weights, row-major [outputs, inputs], then the bias.</summary>
    internal (float[] Weight, float[] Bias) Parameters => (_layer.weight!.data<float>().ToArray(), _layer.bias!.data<float>().ToArray());

    private void MapBatch(InputBatch input, OutputBatch output)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = input.FloatTensor(0);
        if (output.IsActive(0)) output.Write(0, _layer.forward(x));
        if (output.IsActive(1)) output.Write(1, x.Squared().sum(1).sqrt());
    }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _mapping.GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _mapping.GetRowToRowMapper(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => _mapping.Transform(input);

    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        ModelPersistence.Save(ctx, Kind, new PersistedModel(ModelPersistence.ToJson(_options), ModuleWeights.ToBytes(_layer)));

    // Called by ML.NET's catalog; ctx is its internal ModelLoadContext.
    private static TinyLinearTransformer Create(IHostEnvironment env, object ctx)
    {
        var model = ModelPersistence.Load(ctx, Kind);
        var options = ModelPersistence.FromJson<SavedOptions>(model.OptionsJson, LoaderSignature);
        options.Validate(msg => ModelPersistence.Corrupt(LoaderSignature, msg));
        var layer = torch.nn.Linear(options.InputSize, options.OutputSize);
        ModuleWeights.LoadInto(layer, model.Weights, LoaderSignature);
        return new TinyLinearTransformer(options, layer);
    }

    /// <summary>What is saved besides the weights.</summary>
    internal sealed class SavedOptions
    {
        public string InputColumnName { get; set; } = "";
        public string OutputColumnName { get; set; } = "";
        public string NormColumnName { get; set; } = "";
        public int InputSize { get; set; }
        public int[] OutputDimensions { get; set; } = Array.Empty<int>();
        public float[] Times { get; set; } = Array.Empty<float>();
        public int BatchSize { get; set; }

        public int OutputSize => OutputDimensions.Aggregate(1, (a, d) => a * d);

        /// <summary>Rejects values no fitted model has, before anything is allocated from them.</summary>
        public void Validate(Func<string, Exception> error)
        {
            if (string.IsNullOrEmpty(InputColumnName) || string.IsNullOrEmpty(OutputColumnName) || string.IsNullOrEmpty(NormColumnName))
                throw error("column names must not be empty");
            if (InputSize is < 1 or > 1 << 16) throw error($"input size {InputSize} is outside [1, 65536]");
            if (OutputDimensions is not { Length: >= 1 and <= 8 } || OutputDimensions.Any(d => d is < 1 or > 1 << 12)
                || OutputDimensions.Aggregate(1L, (a, d) => a * d) > 1 << 16)
                throw error("output dimensions must be 1 to 8 values in [1, 4096] with a product of at most 65536");
            if (Times.Length != OutputDimensions[0]) throw error($"{Times.Length} times for {OutputDimensions[0]} frames");
            if (BatchSize is < 1 or > 1 << 16) throw error($"batch size {BatchSize} is outside [1, 65536]");
        }
    }
}
