namespace Dsno.MLNet;

/// <summary>Options of <see cref="DiffusionTeacherEstimator"/>: the teacher's columns, architecture, training and sampling.</summary>
public sealed class DiffusionTeacherOptions : NoiseToImageOptions
{
    /// <summary>Training images: a float vector column [C, H, W] with values in [-1, 1]. Default "Image".</summary>
    public string ImageColumnName = DsnoColumnNames.Image;

    /// <summary>Number of classes when <see cref="NoiseToImageOptions.LabelColumnName"/> is set; 0 (default) takes it from the key type's count or the largest label + 1.</summary>
    public int ClassCount;

    /// <summary>
    /// Share of training labels replaced by a null class (one extra class in the embedding) so that the teacher can be sampled with
    /// classifier-free guidance (Ho and Salimans 2022); class-conditional teachers only. 0 trains no null class (no guidance
    /// possible). Default 0.1.
    /// </summary>
    public double LabelDropout = 0.1;

    /// <summary>
    /// Classifier-free guidance scale w used by Transform: eps = (1 + w) eps(x, t, y) - w eps(x, t, null), two model evaluations per
    /// solver call. Needs a class-conditional teacher trained with <see cref="LabelDropout"/> &gt; 0; finite and &gt;= 0. Recorded in the
    /// trajectory column's <c>Guidance</c> annotation. Default 0 (no guidance).
    /// </summary>
    public double GuidanceScale;

    /// <summary>Trajectory column written by Transform: float vector [F, C, H, W] with a "Times" annotation. Default "Trajectory".</summary>
    public string TrajectoryColumnName = DsnoColumnNames.Trajectory;

    /// <summary>Solver used by Transform. Default DPM-Solver++(2M).</summary>
    public OdeSolver Solver = OdeSolver.DpmSolver2M;

    /// <summary>Solver steps used by Transform. Default 20.</summary>
    public int SolverSteps = 20;

    /// <summary>Times of the frames written to the trajectory column. Default quadratic, M = 4.</summary>
    public TimeGrid Frames = TimeGrid.Quadratic(4);

    /// <summary>Record the ODE states x(t) instead of the denoised estimates x0_hat(t). Default false.</summary>
    public bool FramesAsStates;

    /// <summary>Clamp the denoised estimate to [-1, 1] while solving. Default true.</summary>
    public bool ClipDenoised = true;

    /// <summary>The settings the fitted transformer saves, checked.</summary>
    internal TeacherSettings Settings()
    {
        var settings = Columns(new TeacherSettings
        {
            TrajectoryColumnName = TrajectoryColumnName, Solver = Solver.ToCoreName(), SolverSteps = SolverSteps,
            Frames = (Frames ?? throw new ArgumentNullException(nameof(Frames), "options.Frames must be set")).Values,
            FramesAsStates = FramesAsStates, ClipDenoised = ClipDenoised, GuidanceScale = GuidanceScale,
        });
        settings.Validate(msg => new ArgumentOutOfRangeException("options", msg));
        return settings;
    }
}
