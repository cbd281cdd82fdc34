namespace Dsno.Examples.QuickStart;

/// <summary>What a QuickStart run wrote and measured.</summary>
public sealed class QuickStartResult
{
    /// <summary>The output folder (full path).</summary>
    public required string OutputFolder { get; init; }

    /// <summary>DSNO's samples (left) beside the teacher's solver's for the same noise (right), like the paper's figure 3.</summary>
    public required string SamplesPicture { get; init; }

    /// <summary>For each of a few noises: DSNO's predicted frames above the solver's, noise first, like the paper's figure 2.</summary>
    public required string TrajectoriesPicture { get; init; }

    /// <summary>The DSNO model saved with <c>ml.Model.Save</c>.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The teacher's training trajectories, an ML.NET binary <c>.idv</c> file (columns Noise, Trajectory).</summary>
    public required string TrajectoriesPath { get; init; }

    /// <summary>Image shape [C, H, W].</summary>
    public required int[] ImageShape { get; init; }

    /// <summary>Frame times of the trajectories (decreasing, last 0).</summary>
    public required float[] FrameTimes { get; init; }

    /// <summary>Images compared and timed.</summary>
    public int EvaluationImages { get; init; }

    /// <summary>DSNO forward passes to generate <see cref="EvaluationImages"/> images (one per batch).</summary>
    public int DsnoForwardPasses { get; init; }

    /// <summary>Teacher forward passes (model evaluations) to generate the same images with its solver.</summary>
    public int TeacherForwardPasses { get; init; }

    /// <summary>Rows per forward pass (the transform batch).</summary>
    public int BatchSize { get; init; }

    /// <summary>Seconds DSNO takes per 1,000 images, measured here.</summary>
    public double DsnoSecondsPer1000 { get; init; }

    /// <summary>Seconds the teacher's solver takes per 1,000 images, measured here in the same process.</summary>
    public double TeacherSecondsPer1000 { get; init; }

    /// <summary>RMS difference per pixel (values in [-1, 1]) between DSNO's and the teacher's images for the same noise.</summary>
    public double DsnoToTeacher { get; init; }

    /// <summary>The same distance for the teacher's solver run with as few steps as DSNO has frames (a few-step baseline).</summary>
    public double FewStepToTeacher { get; init; }

    /// <summary>The same distance between teacher images of different noises: the scale of "unrelated".</summary>
    public double UnrelatedToTeacher { get; init; }

    /// <summary>Whether the model loaded with a new MLContext gave bit-identical images.</summary>
    public bool ReloadIdentical { get; init; }

    /// <summary>Last training losses.</summary>
    public double TeacherLoss { get; init; }

    /// <summary>Last DSNO training loss.</summary>
    public double DsnoLoss { get; init; }

    /// <summary>Wall time of the whole run.</summary>
    public TimeSpan Elapsed { get; init; }
}
