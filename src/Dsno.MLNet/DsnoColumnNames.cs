namespace Dsno.MLNet;

/// <summary>The default column names of the DSNO data views and transformers (as ML.NET's <c>DefaultColumnNames</c>).</summary>
public static class DsnoColumnNames
{
    /// <summary>Images: float vector [C, H, W] in [-1, 1].</summary>
    public const string Image = "Image";
    /// <summary>Noise x_T: float vector [C, H, W], standard normal.</summary>
    public const string Noise = "Noise";
    /// <summary>Trajectories: float vector [F, C, H, W] with a <see cref="TrajectoryAnnotations.Times"/> annotation.</summary>
    public const string Trajectory = "Trajectory";
    /// <summary>Class labels of a class-conditional model.</summary>
    public const string Label = "Label";
    /// <summary>Per-row classifier-free guidance scales w (float).</summary>
    public const string Guidance = "Guidance";
    /// <summary>Images as ML.NET's image type.</summary>
    public const string MLImage = "MLImage";
}
