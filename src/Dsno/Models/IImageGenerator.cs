namespace Dsno.Models;

/// <summary>
/// What every model kind offers to whoever only wants images from noise: a teacher with a solver (<see cref="TeacherSampler"/>), a
/// <see cref="DsnoModel"/> and a <see cref="OneStepDistillation"/> student.
/// </summary>
public interface IImageGenerator
{
    /// <summary>The architecture of the network: image size and classes.</summary>
    UNetOptions Architecture { get; }

    /// <summary>Scalar parameters of the network.</summary>
    long ParameterCount { get; }

    /// <summary>Network evaluations made so far (a guided teacher call counts two).</summary>
    long Evaluations { get; }

    /// <summary>Final images [B, C, H, W] for a batch of noise [B, C, H, W] (and labels [B] for a class-conditional model).</summary>
    Tensor GenerateImages(Tensor noise, Tensor? labels = null);
}
