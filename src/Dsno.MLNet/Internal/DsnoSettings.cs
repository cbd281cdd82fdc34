namespace Dsno.MLNet.Internal;

/// <summary>What a <see cref="DsnoTransformer"/> saves besides its network: columns, query times and batching.</summary>
internal sealed class DsnoSettings : GenerationSettings
{
    public string OutputTrajectoryColumnName { get; set; } = DsnoColumnNames.Trajectory;
    /// <summary>Times the output trajectory is decoded at; null = the training grid (one plain forward pass).</summary>
    public double[]? QueryTimes { get; set; }
    /// <summary>The guidance scale w a w-conditioned model is run at (<see cref="DsnoTransformer.WithGuidance"/>); null = none chosen.</summary>
    public double? Guidance { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public override string OutputTrajectoryColumn => OutputTrajectoryColumnName;

    public DsnoSettings Clone() => (DsnoSettings)MemberwiseClone();

    public void Validate(Func<string, Exception> error)
    {
        ValidateColumns(error);
        if (QueryTimes is not null && (QueryTimes.Length is < 1 or > 4096 || QueryTimes.Any(t => !double.IsFinite(t) || t < 0 || t > 1)))
            throw error("query times must be 1 to 4096 values in [0, 1]");
        ValidateBatchSize(error);
        if (Guidance is { } w && (!double.IsFinite(w) || w < 0)) throw error($"the guidance scale must be a finite number >= 0, got {w}");
    }
}
