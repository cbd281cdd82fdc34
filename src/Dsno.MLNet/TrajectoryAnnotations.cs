namespace Dsno.MLNet;

/// <summary>
/// The annotations of a trajectory column (a <see cref="float"/> vector [F, C, H, W]): the frame times and what the frames hold. The
/// teacher's and DSNO's transformers write both on their <c>Trajectory</c> output; <see cref="DsnoEstimator"/> reads both when it fits,
/// and they survive <c>ml.Data.SaveAsBinary</c>, <c>LoadFromBinary</c> and <c>Cache</c>.
/// </summary>
public static class TrajectoryAnnotations
{
    /// <summary>
    /// The frame times: a vector of <see cref="float"/>, one time per frame, t in [0, 1] (1 = pure noise, 0 = data), strictly decreasing,
    /// the last 0. Required by <see cref="DsnoEstimator"/>.
    /// </summary>
    public const string Times = "Times";

    /// <summary>
    /// What the frames hold: text, <c>Denoised</c> (the teacher's denoised estimates x0_hat(t)) or <c>State</c> (the ODE states x(t),
    /// from <see cref="DiffusionTeacherOptions.FramesAsStates"/>). A trajectory column without it holds denoised estimates.
    /// </summary>
    public const string FrameKind = "FrameKind";

    /// <summary>What the frames of <paramref name="trajectory"/> hold, from its <see cref="FrameKind"/> annotation (Denoised when it has none).</summary>
    /// <param name="trajectory">A trajectory column.</param>
    /// <param name="paramName">The parameter named in the exceptions.</param>
    /// <exception cref="ArgumentOutOfRangeException">The annotation is not text.</exception>
    /// <exception cref="InvalidOperationException">The annotation's text names no frame kind.</exception>
    public static Diffusion.FrameKind ReadFrameKind(DataViewSchema.Column trajectory, string paramName = "inputSchema")
    {
        if (trajectory.Annotations.Schema.GetColumnOrNull(FrameKind) is not { } annotation) return Diffusion.FrameKind.Denoised;
        if (annotation.Type is not TextDataViewType)
            throw new ArgumentOutOfRangeException(paramName,
                $"Annotation '{FrameKind}' of input column '{trajectory.Name}' must be text; found {annotation.Type}.");
        ReadOnlyMemory<char> text = default;
        trajectory.Annotations.GetValue(FrameKind, ref text);
        string value = text.ToString();
        foreach (var kind in Enum.GetValues<Diffusion.FrameKind>())
            if (value == kind.ToString()) return kind;
        throw new InvalidOperationException(
            $"Input column '{trajectory.Name}': its {FrameKind} annotation is '{value}'; expected one of {string.Join(", ", Enum.GetNames<Diffusion.FrameKind>())}.");
    }

    /// <summary>
    /// The classifier-free guidance scale w a trajectory column's <see cref="DiffusionTeacherTransformer.GuidanceAnnotation"/> records
    /// (one <see cref="float"/>, written by a guided teacher), or null when it has none.
    /// </summary>
    /// <exception cref="InvalidOperationException">The annotation is not one finite number &gt;= 0.</exception>
    public static double? ReadGuidance(DataViewSchema.Column trajectory)
    {
        if (trajectory.Annotations.Schema.GetColumnOrNull(DiffusionTeacherTransformer.GuidanceAnnotation) is null) return null;
        var values = SchemaChecks.RequireFloatVectorAnnotation(trajectory, DiffusionTeacherTransformer.GuidanceAnnotation, "input");
        if (values.Length != 1 || !float.IsFinite(values[0]) || values[0] < 0)
            throw new InvalidOperationException($"Input column '{trajectory.Name}': its Guidance annotation must be one finite number >= 0.");
        return values[0];
    }
}
