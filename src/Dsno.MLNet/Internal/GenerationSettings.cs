using System.Text.Json.Serialization;

namespace Dsno.MLNet.Internal;

/// <summary>
/// What a generating transformer saves besides its network, the part both kinds share: the columns it reads and writes and its batch
/// size. <see cref="TeacherSettings"/> and <see cref="DsnoSettings"/> add their own; each is persisted as one JSON record, under the
/// property names of earlier versions (so their model files still load).
/// </summary>
internal abstract class GenerationSettings
{
    public string NoiseColumnName { get; set; } = DsnoColumnNames.Noise;
    public string? LabelColumnName { get; set; }
    public string OutputImageColumnName { get; set; } = DsnoColumnNames.Image;
    public bool OutputMLImage { get; set; }
    public string MLImageColumnName { get; set; } = DsnoColumnNames.MLImage;
    public int TransformBatchSize { get; set; } = 64;
    /// <summary>Float column of per-row guidance scales read when the input has it (null = never).</summary>
    public string? GuidanceColumnName { get; set; } = DsnoColumnNames.Guidance;

    /// <summary>The trajectory column Transform writes.</summary>
    [JsonIgnore]
    public abstract string OutputTrajectoryColumn { get; }

    /// <summary>The label column's name (the default when none is set).</summary>
    [JsonIgnore]
    public string LabelColumn => LabelColumnName ?? DsnoColumnNames.Label;

    /// <summary>Rejects empty column names.</summary>
    protected void ValidateColumns(Func<string, Exception> error)
    {
        if (string.IsNullOrEmpty(NoiseColumnName) || string.IsNullOrEmpty(OutputTrajectoryColumn) || string.IsNullOrEmpty(OutputImageColumnName))
            throw error("column names must not be empty");
    }

    /// <summary>Rejects a batch size no fitted model has.</summary>
    protected void ValidateBatchSize(Func<string, Exception> error)
    {
        if (TransformBatchSize is < 1 or > 65_536) throw error($"batch size {TransformBatchSize} outside 1..65536");
    }
}
