using Dsno.Data;
using Dsno.Diffusion;
using Dsno.Models;
using TorchSharp;

namespace Dsno.Tests.Models;

/// <summary>Every model kind behind <see cref="IImageGenerator"/> gives what its own methods give, and counts its evaluations.</summary>
public class ImageGeneratorTests
{
    [Fact]
    public void ATeacherWithASolverGivesItsSolveAndCountsEveryEvaluation()
    {
        torch.set_num_threads(1);
        var teacher = TinyModels.Teacher();
        using var noise = GaussianNoise.Sample(0, 3, 1, 8, 8, seed: 3);
        IImageGenerator sampler = teacher.WithSolver("heun", 4);
        long before = sampler.Evaluations;
        using var images = sampler.GenerateImages(noise);
        Assert.Equal(Samplers.Evaluations("heun", 4), sampler.Evaluations - before);
        var (solved, frames) = teacher.Solve(noise, null, "heun", 4);
        using (solved) Assert.True(torch.equal(solved, images).all().item<bool>());
        Assert.Null(frames);
        Assert.Equal(teacher.Network.ParameterCount, sampler.ParameterCount);
        Assert.Same(teacher.Architecture, sampler.Architecture);
        Assert.Throws<ArgumentOutOfRangeException>(() => teacher.WithSolver("rk4", 4));
    }

    [Fact]
    public void TheStudentsGiveTheirLastFrameInOneEvaluation()
    {
        torch.set_num_threads(1);
        var teacher = TinyModels.Teacher();
        using var dsno = DsnoModel.FromTeacher(teacher, FrameTimes.Quadratic(4), seed: 1);
        using var kd = OneStepDistillation.FromTeacher(teacher);
        using var noise = GaussianNoise.Sample(0, 2, 1, 8, 8, seed: 4);
        using var frames = dsno.Generate(noise);
        using var kdImages = kd.Generate(noise);
        foreach (var (generator, expected) in new (IImageGenerator, torch.Tensor)[] { (dsno, frames[.., ^1]), (kd, kdImages) })
        {
            long before = generator.Evaluations;
            using var images = generator.GenerateImages(noise);
            Assert.Equal(1, generator.Evaluations - before);
            Assert.True(torch.equal(expected, images).all().item<bool>());
        }
        Assert.Equal(dsno.Network.ParameterCount, ((IImageGenerator)dsno).ParameterCount);
    }
}
