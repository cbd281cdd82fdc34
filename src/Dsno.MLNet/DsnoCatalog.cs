using Dsno.MLNet.Internal;
using Microsoft.ML;

namespace Dsno.MLNet;

/// <summary>Extension methods that add DSNO and its diffusion teacher to <c>mlContext.Transforms</c>.</summary>
public static class DsnoCatalog
{
    /// <summary>A diffusion teacher trained on the <paramref name="imageColumnName"/> column ([C, H, W] in [-1, 1]).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="imageColumnName">Training images.</param>
    /// <param name="trainingSteps">Optimiser steps.</param>
    /// <param name="labelColumnName">Class labels for a class-conditional teacher, or null.</param>
    public static DiffusionTeacherEstimator DiffusionTeacher(this TransformsCatalog catalog, string imageColumnName = "Image", int trainingSteps = 2000,
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
        string noiseColumnName = "Noise", string trajectoryColumnName = "Trajectory") =>
        Dsno(catalog, new DsnoOptions
        {
            Teacher = teacher, TrainingSteps = trainingSteps, NoiseColumnName = noiseColumnName, TrajectoryColumnName = trajectoryColumnName,
            LabelColumnName = teacher.ClassCount > 0 ? "Label" : null,
        });

    /// <summary>DSNO with every option given.</summary>
    public static DsnoEstimator Dsno(this TransformsCatalog catalog, DsnoOptions options) =>
        new(MlNetInternals.EnvironmentOf(catalog ?? throw new ArgumentNullException(nameof(catalog))), options);
}
