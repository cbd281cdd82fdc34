namespace Dsno.MLNet.Internal;

/// <summary>What a <see cref="DiffusionTeacherTransformer"/> saves besides its network: columns and sampling settings.</summary>
internal sealed class TeacherSettings
{
    public string NoiseColumnName { get; set; } = DsnoColumnNames.Noise;
    public string? LabelColumnName { get; set; }
    public string TrajectoryColumnName { get; set; } = DsnoColumnNames.Trajectory;
    public string OutputImageColumnName { get; set; } = DsnoColumnNames.Image;
    public bool OutputMLImage { get; set; }
    public string MLImageColumnName { get; set; } = DsnoColumnNames.MLImage;
    public string Solver { get; set; } = Dsno.Diffusion.Samplers.DpmSolver2M.Name;
    public int SolverSteps { get; set; } = 20;
    public double[] Frames { get; set; } = Array.Empty<double>();
    public bool FramesAsStates { get; set; }
    public bool ClipDenoised { get; set; } = true;
    public int TransformBatchSize { get; set; } = 64;
    /// <summary>Classifier-free guidance scale w of Transform (0 = none).</summary>
    public double GuidanceScale { get; set; }
    /// <summary>Float column of per-row guidance scales that overrides <see cref="GuidanceScale"/> when the input has it.</summary>
    public string? GuidanceColumnName { get; set; } = DsnoColumnNames.Guidance;

    public TeacherSettings Clone() => (TeacherSettings)MemberwiseClone();

    /// <summary>Rejects values no fitted model has, before anything is built from them.</summary>
    public void Validate(Func<string, Exception> error)
    {
        if (string.IsNullOrEmpty(NoiseColumnName) || string.IsNullOrEmpty(TrajectoryColumnName) || string.IsNullOrEmpty(OutputImageColumnName))
            throw error("column names must not be empty");
        try { OdeSolverNames.FromCoreName(Solver); }
        catch (ArgumentOutOfRangeException e) { throw error(e.Message); }
        if (SolverSteps is < 1 or > 100_000) throw error($"solver steps {SolverSteps} outside 1..100000");
        if (Frames is null || Frames.Length is < 2 or > 1024) throw error("the frame grid must have 2 to 1024 times");
        try { Dsno.Diffusion.FrameTimes.Validate(Frames); }
        catch (ArgumentOutOfRangeException e) { throw error(e.Message); }
        if (TransformBatchSize is < 1 or > 65_536) throw error($"batch size {TransformBatchSize} outside 1..65536");
        if (!double.IsFinite(GuidanceScale) || GuidanceScale < 0) throw error($"the guidance scale must be a finite number >= 0, got {GuidanceScale}");
    }
}
