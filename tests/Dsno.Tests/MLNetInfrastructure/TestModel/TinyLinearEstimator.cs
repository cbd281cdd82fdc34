using Dsno.MLNet.Internal;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Dsno.Tests.MLNetInfrastructure.TestModel;

/// <summary>
/// Test-only estimator: "fitting" reads the input once for its mean, then builds a TorchSharp linear layer with seeded random
/// weights and the bias that centres the data (y = W (x - mean)).
/// </summary>
public sealed class TinyLinearEstimator : IEstimator<TinyLinearTransformer>
{
    private readonly TinyLinearOptions _options;

    /// <summary>Creates the estimator.</summary>
    public TinyLinearEstimator(TinyLinearOptions options) => _options = options;

    /// <inheritdoc/>
    public TinyLinearTransformer Fit(IDataView input)
    {
        var column = SchemaChecks.RequireColumn(input.Schema, _options.InputColumnName, nameof(input));
        if (column.Type is not VectorDataViewType { IsKnownSize: true, Size: var size })
            throw new ArgumentOutOfRangeException(nameof(input), $"Column '{column.Name}' must be a known-size vector.");
        var mean = new double[size];
        long rows = 0;
        using (var cursor = input.GetRowCursor(new[] { column }))
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> row = default;
            while (cursor.MoveNext())
            {
                getter(ref row);
                int i = 0;
                foreach (var v in row.DenseValues()) mean[i++] += v;
                rows++;
            }
        }
        var saved = new TinyLinearTransformer.SavedOptions
        {
            InputColumnName = _options.InputColumnName,
            OutputColumnName = _options.OutputColumnName,
            NormColumnName = _options.NormColumnName,
            InputSize = size,
            OutputDimensions = (int[])_options.OutputDimensions.Clone(),
            Times = (float[])_options.Times.Clone(),
            BatchSize = _options.BatchSize,
        };
        saved.Validate(msg => new ArgumentException(msg, nameof(_options)));

        int outputs = saved.OutputSize;
        var random = new Random(_options.Seed);
        var weight = new float[outputs * size];
        for (int i = 0; i < weight.Length; i++) weight[i] = (float)((random.NextDouble() * 2 - 1) / Math.Sqrt(size));
        var bias = new float[outputs];
        for (int k = 0; k < outputs; k++)
        {
            double b = 0;
            for (int i = 0; i < size; i++) b -= weight[k * size + i] * mean[i] / Math.Max(1, rows);
            bias[k] = (float)b;
        }
        var layer = torch.nn.Linear(size, outputs);
        using (torch.no_grad())
        {
            using var w = torch.tensor(weight, new long[] { outputs, size });
            using var b = torch.tensor(bias, new long[] { outputs });
            layer.weight!.copy_(w);
            layer.bias!.copy_(b);
        }
        return new TinyLinearTransformer(saved, layer);
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SchemaChecks.RequireFloatVector(inputSchema, _options.InputColumnName);
        return SchemaShapes.WithColumns(inputSchema, new[]
        {
            SchemaShapes.FloatVector(_options.OutputColumnName, "Times"),
            SchemaShapes.FloatVector(_options.NormColumnName),
        });
    }
}
