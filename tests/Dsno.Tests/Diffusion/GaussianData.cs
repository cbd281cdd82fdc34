using Dsno.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Tests.Diffusion;

/// <summary>
/// Data x0 ~ N(mu, s^2 I), for which everything is known in closed form: x_t ~ N(alpha mu, (alpha^2 s^2 + sigma^2) I), the exact noise
/// prediction E[eps | x_t] = sigma (x_t - alpha mu) / (alpha^2 s^2 + sigma^2), and the probability-flow ODE keeps the standardized
/// value (x_t - alpha_t mu) / sqrt(alpha_t^2 s^2 + sigma_t^2) constant.
/// </summary>
internal sealed class GaussianData
{
    private readonly NoiseSchedule _schedule;
    private readonly double[] _knownTimes;

    /// <param name="schedule">The noise schedule.</param>
    /// <param name="mean">mu.</param>
    /// <param name="std">s.</param>
    /// <param name="knownTimes">
    /// The times the solver will ask about. The denoiser hands the network float32 times; the exact network snaps them back to the
    /// double step time they came from, so that rounding t to float32 does not hide the solver's order.
    /// </param>
    public GaussianData(NoiseSchedule schedule, double mean, double std, IEnumerable<double> knownTimes)
    {
        _schedule = schedule;
        Mean = mean;
        Std = std;
        _knownTimes = knownTimes.Distinct().ToArray();
    }

    public double Mean { get; }

    public double Std { get; }

    public double Variance(double t)
    {
        double alpha = _schedule.Alpha(t), sigma = _schedule.Sigma(t);
        return alpha * alpha * Std * Std + sigma * sigma;
    }

    /// <summary>The exact epsilon network.</summary>
    public Tensor Network(Tensor x, Tensor times)
    {
        Assert.Equal(ScalarType.Float32, times.dtype);
        Assert.Equal(new[] { x.shape[0] }, times.shape);
        double t = Snap(times[0].item<float>());
        double alpha = _schedule.Alpha(t), sigma = _schedule.Sigma(t);
        return x.Plus(-alpha * Mean).Times(sigma / Variance(t));
    }

    /// <summary>The exact flow map from time <paramref name="from"/> to time <paramref name="to"/>.</summary>
    public Tensor Transport(Tensor x, double from, double to)
    {
        var standardized = x.Plus(-_schedule.Alpha(from) * Mean).DividedBy(Math.Sqrt(Variance(from)));
        return standardized.Times(Math.Sqrt(Variance(to))).Plus(_schedule.Alpha(to) * Mean);
    }

    private double Snap(float t)
    {
        double best = double.NaN, distance = double.PositiveInfinity;
        foreach (double known in _knownTimes)
        {
            double d = Math.Abs(known - t);
            if (d < distance) (best, distance) = (known, d);
        }
        Assert.True(distance <= 1e-6 * Math.Max(1, Math.Abs(t)), $"the network was asked about t = {t}, not a step time");
        return best;
    }
}
