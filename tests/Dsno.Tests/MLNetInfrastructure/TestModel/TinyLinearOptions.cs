namespace Dsno.Tests.MLNetInfrastructure.TestModel;

/// <summary>Options of the test-only <see cref="TinyLinearEstimator"/>.</summary>
public sealed class TinyLinearOptions
{
    /// <summary>A known-size float vector column.</summary>
    public string InputColumnName { get; set; } = "Features";

    /// <summary>The projection, with dimensions <see cref="OutputDimensions"/> and the annotation <c>Times</c>.</summary>
    public string OutputColumnName { get; set; } = "Projection";

    /// <summary>The L2 norm of each input row, a vector of one value (a second output, to test column subsets).</summary>
    public string NormColumnName { get; set; } = "InputNorm";

    /// <summary>Dimensions of the projection; the first one is the number of <see cref="Times"/>.</summary>
    public int[] OutputDimensions { get; set; } = { 2, 3 };

    /// <summary>The float-vector annotation <c>Times</c> of the projection column.</summary>
    public float[] Times { get; set; } = { 1f, 0.25f };

    /// <summary>Rows per forward pass.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>Seeds the random weights.</summary>
    public int Seed { get; set; } = 1;
}
