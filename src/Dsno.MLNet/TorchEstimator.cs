namespace Dsno.MLNet;

/// <summary>
/// What <see cref="DiffusionTeacherEstimator"/> and <see cref="DsnoEstimator"/> share: the context and options they are made with,
/// the input checks and output columns of <see cref="GetOutputSchema"/>, and the connection of a training run to ML.NET.
/// </summary>
/// <typeparam name="TOptions">The estimator's options.</typeparam>
/// <typeparam name="TTransformer">The fitted transformer.</typeparam>
public abstract class TorchEstimator<TOptions, TTransformer> : IEstimator<TTransformer>
    where TOptions : TorchTrainerOptions
    where TTransformer : class, ITransformer
{
    private protected TorchEstimator(IHostEnvironment environment, TOptions options)
    {
        Environment = environment ?? throw new ArgumentNullException(nameof(environment));
        Options = options ?? throw new ArgumentNullException(nameof(options));
    }

    private protected IHostEnvironment Environment { get; }

    private protected TOptions Options { get; }

    /// <summary>Checks the training columns and describes the transformer's output columns.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var (trajectory, image, mlImage) = CheckInput(inputSchema);
        return SchemaShapes.WithColumns(inputSchema, SchemaShapes.GeneratorOutputs(trajectory, image, mlImage));
    }

    /// <summary>Trains on <paramref name="input"/>.</summary>
    public abstract TTransformer Fit(IDataView input);

    /// <summary>Checks the training columns; returns the output trajectory, image and MLImage (or null) column names.</summary>
    private protected abstract (string Trajectory, string Image, string? MLImage) CheckInput(SchemaShape inputSchema);

    /// <summary>Connects a training run of <paramref name="steps"/> steps to the options' progress and token and to ML.NET's log.</summary>
    private protected TrainingHost StartTraining(string component, int steps) =>
        new(Environment, component, Options.Progress, Options.CancellationToken, steps);
}
