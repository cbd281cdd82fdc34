namespace Dsno.MLNet.Internal;

/// <summary>What a <see cref="DiffusionTeacherTransformer"/> saves besides its network: columns and sampling settings.</summary>
internal sealed class TeacherSettings : GenerationSettings
{
    public string TrajectoryColumnName { get; set; } = DsnoColumnNames.Trajectory;
    public string Solver { get; set; } = Dsno.Diffusion.Samplers.DpmSolver2M.Name;
    public int SolverSteps { get; set; } = 20;
    public double[] Frames { get; set; } = Array.Empty<double>();
    public bool FramesAsStates { get; set; }
    public bool ClipDenoised { get; set; } = true;
    /// <summary>Classifier-free guidance scale w of Transform (0 = none).</summary>
    public double GuidanceScale { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public override string OutputTrajectoryColumn => TrajectoryColumnName;

    public TeacherSettings Clone() => (TeacherSettings)MemberwiseClone();

    /// <summary>Rejects values no fitted model has, before anything is built from them.</summary>
    public void Validate(Func<string, Exception> error)
    {
        ValidateColumns(error);
        try { OdeSolverNames.FromCoreName(Solver); }
        catch (ArgumentOutOfRangeException e) { throw error(e.Message); }
        if (SolverSteps is < 1 or > 100_000) throw error($"solver steps {SolverSteps} outside 1..100000");
        if (Frames is null || Frames.Length is < 2 or > 1024) throw error("the frame grid must have 2 to 1024 times");
        try { Dsno.Diffusion.FrameTimes.Validate(Frames); }
        catch (ArgumentOutOfRangeException e) { throw error(e.Message); }
        ValidateBatchSize(error);
        if (!double.IsFinite(GuidanceScale) || GuidanceScale < 0) throw error($"the guidance scale must be a finite number >= 0, got {GuidanceScale}");
    }
}
