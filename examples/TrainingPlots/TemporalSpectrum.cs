using Dsno.Runtime;
using Dsno.Diffusion;
using Dsno.MLNet;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Examples.TrainingPlots;

/// <summary>
/// The temporal power spectrum of a teacher's ODE trajectories (the DSNO paper's appendix A.1 and figure 4): solve from noise on a fine
/// uniform time grid, take the discrete Fourier transform of every pixel's path over time, and average the power per frequency mode.
/// </summary>
/// <param name="Mean">Power per mode j = 0 .. N/2, averaged over trajectories, channels and pixel locations.</param>
/// <param name="Min">Per mode, the smallest of the per-pixel powers (each averaged over trajectories).</param>
/// <param name="Max">Per mode, the largest of the per-pixel powers.</param>
/// <param name="Points">Time points N of each path (t = (N-1)/N, ..., 1/N, 0: evenly spaced, dt = 1/N, period T = 1).</param>
public sealed record TemporalSpectrum(double[] Mean, double[] Min, double[] Max, int Points)
{
    /// <summary>Share of the total mean power held by modes 0 .. <paramref name="highestMode"/>.</summary>
    public double PowerShare(int highestMode) => Mean.Take(highestMode + 1).Sum() / Mean.Sum();

    /// <summary>
    /// Solves <paramref name="trajectories"/> noises with DDIM in <paramref name="intervals"/> uniform steps, recording every step, and
    /// returns the spectrum of either the ODE states x(t) or the denoised estimates x0_hat(t).
    /// </summary>
    public static TemporalSpectrum Measure(DiffusionTeacherTransformer teacher, int trajectories, int intervals, FrameKind kind, int seed)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        if (intervals < 2) throw new ArgumentOutOfRangeException(nameof(intervals), intervals, "need at least 2 intervals");
        var a = teacher.Teacher.Architecture;
        using var scope = torch.NewDisposeScope();
        var noise = Dsno.Data.GaussianNoise.Sample(0, trajectories, a.Channels, a.Height, a.Width, seed, teacher.Teacher.Device);
        // Frames at t = (N-1)/N .. 0; DDIM's uniform step list with N steps puts a step on each of them.
        var (_, frames) = teacher.Teacher.Solve(noise, null, "ddim", intervals, FrameTimes.Uniform(intervals), kind);
        var paths = frames!.to(ScalarType.Float64);                                           // [B, N, C, H, W]
        // Eq. (13): S_j = 2 dt^2 / T |X_j|^2 with T = 1 and dt = 1 / N.
        double dt = 1.0 / intervals;
        var power = torch.fft.rfft(paths, dim: 1).abs().Squared().Times(2 * dt * dt);           // [B, J, C, H, W]
        var perPixel = power.mean(new long[] { 0 }).flatten(1);                               // [J, C*H*W]
        return new TemporalSpectrum(
            perPixel.mean(new long[] { 1 }).cpu().data<double>().ToArray(),
            perPixel.min(1).values.cpu().data<double>().ToArray(),
            perPixel.max(1).values.cpu().data<double>().ToArray(),
            intervals);
    }
}
