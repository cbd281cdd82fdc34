namespace Dsno.MLNet.Internal;

/// <summary>What a <see cref="DsnoTransformer"/> saves besides its network: columns, query times and batching.</summary>
internal sealed class DsnoSettings
{
    public string NoiseColumnName { get; set; } = DsnoColumnNames.Noise;
    public string? LabelColumnName { get; set; }
    public string OutputImageColumnName { get; set; } = DsnoColumnNames.Image;
    public string OutputTrajectoryColumnName { get; set; } = DsnoColumnNames.Trajectory;
    public bool OutputMLImage { get; set; }
    public string MLImageColumnName { get; set; } = DsnoColumnNames.MLImage;
    /// <summary>Times the output trajectory is decoded at; null = the training grid (one plain forward pass).</summary>
    public double[]? QueryTimes { get; set; }
    public int TransformBatchSize { get; set; } = 64;
    /// <summary>The guidance scale w a w-conditioned model is run at (<see cref="DsnoTransformer.WithGuidance"/>); null = none chosen.</summary>
    public double? Guidance { get; set; }
    /// <summary>Float column of per-row guidance scales read by a w-conditioned model when the input has it.</summary>
    public string? GuidanceColumnName { get; set; } = DsnoColumnNames.Guidance;

    public DsnoSettings Clone() => (DsnoSettings)MemberwiseClone();

    public void Validate(Func<string, Exception> error)
    {
        if (string.IsNullOrEmpty(NoiseColumnName) || string.IsNullOrEmpty(OutputImageColumnName) || string.IsNullOrEmpty(OutputTrajectoryColumnName))
            throw error("column names must not be empty");
        if (QueryTimes is not null && (QueryTimes.Length is < 1 or > 4096 || QueryTimes.Any(t => !double.IsFinite(t) || t < 0 || t > 1)))
            throw error("query times must be 1 to 4096 values in [0, 1]");
        if (TransformBatchSize is < 1 or > 65_536) throw error($"batch size {TransformBatchSize} outside 1..65536");
        if (Guidance is { } w && (!double.IsFinite(w) || w < 0)) throw error($"the guidance scale must be a finite number >= 0, got {w}");
    }
}
