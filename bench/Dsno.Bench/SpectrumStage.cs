using Dsno.Runtime;
using Dsno.Data;
using Dsno.Diffusion;
using Dsno.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Bench;

/// <summary>
/// Stage 6: the temporal power spectrum of the teacher's ODE trajectories on a fine uniform time grid (appendix A.1 of the paper):
/// S_j = 2 dt^2 |X_j|^2 with X the discrete Fourier transform over time of each pixel's trajectory, averaged over pixels and
/// trajectories; the band is the smallest and largest per-pixel mean.
/// </summary>
public static class SpectrumStage
{
    /// <summary>Computes the spectrum unless it is stored and newer than the teacher.</summary>
    public static SpectrumResult Run(BenchConfig config, BenchPaths paths, DiffusionTeacher teacher)
    {
        var previous = JsonFiles.Read<SpectrumResult>(paths.Spectrum);
        if (previous is not null && File.GetLastWriteTimeUtc(paths.Spectrum) > File.GetLastWriteTimeUtc(paths.TeacherModel)) return previous;

        var a = config.Architecture;
        var times = FrameTimes.Uniform(config.SpectrumPoints);
        BenchLog.Info($"spectrum: {config.SpectrumTrajectories} trajectories on a uniform grid of {times.Length} times");
        using var noise = GaussianNoise.Sample(0, config.SpectrumTrajectories, a.Channels, a.Height, a.Width, config.SpectrumSeed);
        var (dMean, dMin, dMax) = Power(teacher, noise, config, times, FrameKind.Denoised);
        var (sMean, sMin, sMax) = Power(teacher, noise, config, times, FrameKind.State);
        var result = new SpectrumResult(config.SpectrumTrajectories, times.Length, config.ReferenceSolver, config.ReferenceSteps, dMean, dMin, dMax, sMean, sMin, sMax);
        JsonFiles.Write(paths.Spectrum, result);
        return result;
    }

    private static (double[] Mean, double[] Min, double[] Max) Power(DiffusionTeacher teacher, Tensor noise, BenchConfig config, double[] times, FrameKind kind)
    {
        using var scope = torch.NewDisposeScope();
        var (_, frames) = teacher.Solve(noise, null, config.ReferenceSolver, config.ReferenceSteps, times, kind);
        double dt = 1.0 / times.Length;
        var spectrum = torch.fft.rfft(frames!.to(ScalarType.Float64), dim: 1);        // [B, J, C, H, W]
        var power = spectrum.abs().Squared().Times(2 * dt * dt);
        var perPixel = power.mean(new long[] { 0 });                                   // [J, C, H, W]
        var flat = perPixel.reshape(perPixel.shape[0], -1);
        double[] mean = flat.mean(new long[] { 1 }).data<double>().ToArray();
        double[] min = flat.min(1).values.data<double>().ToArray();
        double[] max = flat.max(1).values.data<double>().ToArray();
        return (mean, min, max);
    }
}
