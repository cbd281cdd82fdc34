namespace Dsno.MLNet;

/// <summary>
/// The options of <see cref="DsnoDataCatalog.GaussianNoise(DataOperationsCatalog, GaussianNoiseOptions)"/>: rows
/// [<see cref="FirstRow"/>, <see cref="FirstRow"/> + <see cref="Rows"/>) of standard normal noise [C, H, W], row i drawn for (seed, i)
/// only, so that any range of rows can be made on its own (a shard of trajectories, one machine's share of a seed range).
/// </summary>
public sealed class GaussianNoiseOptions
{
    /// <summary>Rows to make (at least 1).</summary>
    public int Rows;

    /// <summary>Index of the first row (default 0): the view holds the rows that a view from row 0 holds from this index on.</summary>
    public long FirstRow;

    /// <summary>Image channels C.</summary>
    public int Channels;

    /// <summary>Image height H.</summary>
    public int Height;

    /// <summary>Image width W.</summary>
    public int Width;

    /// <summary>Noise seed.</summary>
    public int Seed;

    /// <summary>Name of the noise column (default <see cref="DsnoColumnNames.Noise"/>).</summary>
    public string ColumnName = DsnoColumnNames.Noise;

    /// <summary>Classes of a class-conditional model: adds a <see cref="DsnoColumnNames.Label"/> key column of this many values, drawn
    /// uniformly per row. Null (default): no label column.</summary>
    public int? Classes;

    /// <summary>A 0-based class for every row instead of the drawn ones (needs <see cref="Classes"/>), or null (default).</summary>
    public int? Label;

    /// <summary>
    /// A range [Min, Max] of classifier-free guidance scales (needs <see cref="Classes"/>): adds a Single column
    /// <see cref="GuidanceColumnName"/> whose row i holds a scale drawn uniformly from the range for (seed, i) only, as the noise is, so
    /// any range of rows can be made on its own. A teacher's Transform solves each row at its own w, which makes trajectories for a
    /// w-conditioned DSNO. Null (default): no guidance column.
    /// </summary>
    public (float Min, float Max)? GuidanceRange;

    /// <summary>Name of the guidance column of <see cref="GuidanceRange"/> (default <see cref="DsnoColumnNames.Guidance"/>).</summary>
    public string GuidanceColumnName = DsnoColumnNames.Guidance;

    /// <summary>Told, on the reading thread, the number of rows handed out so far (rows are made lazily, a chunk at a time).</summary>
    public IProgress<long>? Progress;

    /// <summary>Stops reading the view with <see cref="OperationCanceledException"/> (checked at every row).</summary>
    public CancellationToken CancellationToken;
}
