namespace Dsno.MLNet;

/// <summary>Extension methods that add DSNO and its diffusion teacher to <c>mlContext.Transforms</c>.</summary>
public static class DsnoCatalog
{
    /// <summary>A diffusion teacher trained on the <paramref name="imageColumnName"/> column ([C, H, W] in [-1, 1]).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="imageColumnName">Training images.</param>
    /// <param name="trainingSteps">Optimiser steps.</param>
    /// <param name="labelColumnName">Class labels for a class-conditional teacher, or null.</param>
    public static DiffusionTeacherEstimator DiffusionTeacher(this TransformsCatalog catalog, string imageColumnName = DsnoColumnNames.Image, int trainingSteps = 2000,
        string? labelColumnName = null) =>
        DiffusionTeacher(catalog, new DiffusionTeacherOptions { ImageColumnName = imageColumnName, TrainingSteps = trainingSteps, LabelColumnName = labelColumnName });

    /// <summary>A diffusion teacher with every option given.</summary>
    public static DiffusionTeacherEstimator DiffusionTeacher(this TransformsCatalog catalog, DiffusionTeacherOptions options) =>
        new(MlNetInternals.EnvironmentOf(catalog ?? throw new ArgumentNullException(nameof(catalog))), options);

    /// <summary>DSNO distilled from <paramref name="teacher"/>, trained on the <paramref name="trajectoryColumnName"/> column.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="teacher">The teacher whose weights initialise the backbone.</param>
    /// <param name="trainingSteps">Optimiser steps.</param>
    /// <param name="noiseColumnName">x_T.</param>
    /// <param name="trajectoryColumnName">Trajectories [F, C, H, W] with a Times annotation.</param>
    public static DsnoEstimator Dsno(this TransformsCatalog catalog, DiffusionTeacherTransformer teacher, int trainingSteps = 1000,
        string noiseColumnName = DsnoColumnNames.Noise, string trajectoryColumnName = DsnoColumnNames.Trajectory) =>
        Dsno(catalog, new DsnoOptions
        {
            Teacher = teacher, TrainingSteps = trainingSteps, NoiseColumnName = noiseColumnName, TrajectoryColumnName = trajectoryColumnName,
            LabelColumnName = teacher.ClassCount > 0 ? DsnoColumnNames.Label : null,
        });

    /// <summary>DSNO with every option given.</summary>
    public static DsnoEstimator Dsno(this TransformsCatalog catalog, DsnoOptions options) =>
        new(MlNetInternals.EnvironmentOf(catalog ?? throw new ArgumentNullException(nameof(catalog))), options);

    /// <summary>
    /// Runs an exported DSNO file in ML.NET's stock <c>ApplyOnnxModel</c> (see <see cref="DsnoOnnxEstimator"/>): adds <c>image</c> and
    /// <c>trajectory</c> from <paramref name="noiseColumnName"/> (and, for a class-conditional file, zero-based int classes in
    /// <paramref name="labelColumnName"/>), checking first that the columns fit the file.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="mlContext">The context whose stock transforms make up the chain.</param>
    /// <param name="modelFile">The .onnx file.</param>
    /// <param name="noiseColumnName">Noise [C, H, W], float.</param>
    /// <param name="labelColumnName">Zero-based classes (Int32, UInt32 or Int64) for a class-conditional file, else null.</param>
    /// <param name="guidanceColumnName">
    /// Each row's guidance scale w (a number column) for a file exported from a w-conditioned DSNO, else null (the default
    /// <see cref="DsnoColumnNames.Guidance"/> is taken when such a file is given none).
    /// </param>
    public static DsnoOnnxEstimator ApplyDsnoOnnxModel(this TransformsCatalog catalog, MLContext mlContext, string modelFile, string noiseColumnName = DsnoColumnNames.Noise,
        string? labelColumnName = null, string? guidanceColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFile);
        return new DsnoOnnxEstimator(mlContext, modelFile, noiseColumnName, labelColumnName, guidanceColumnName);
    }
}
