namespace Dsno.Diffusion;

/// <summary>
/// Step lists for the ODE solvers (k-diffusion style free functions): decreasing times from 1 (noise) to 0 (data), both included,
/// so a list for N steps has N + 1 entries.
/// </summary>
public static class StepTimes
{
    /// <summary>Uniform in t: t_i = 1 - i / N.</summary>
    public static double[] Uniform(int steps)
    {
        CheckSteps(steps);
        return Build(steps, i => 1.0 - (double)i / steps);
    }

    /// <summary>Uniform in log-SNR between lambda(1) and lambda(0), mapped back to t through the schedule's exact inverse.</summary>
    public static double[] UniformLogSnr(NoiseSchedule schedule, int steps)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        CheckSteps(steps);
        double lambdaStart = schedule.LogSnr(1.0), lambdaEnd = schedule.LogSnr(0.0);
        return Build(steps, i => schedule.TimeFromLogSnr(lambdaStart + (lambdaEnd - lambdaStart) * i / steps));
    }

    /// <summary>
    /// Karras et al. 2022 (eq. 5): uniform in s^(1/rho) from <paramref name="maxNoise"/> down to s(0), where s = sigma / alpha =
    /// exp(-lambda / 2) is the noise level of the scaled ODE; rho = 7 puts most steps at low noise, where the images form. When the
    /// schedule's noise end s(1) lies above <paramref name="maxNoise"/> (the cosine schedule's is about 22,000), the first step jumps
    /// from t = 1 straight to <paramref name="maxNoise"/> (EDM's sigma_max is 80): above it the state is noise alone and one step
    /// crosses that range exactly enough, while a list spread over the whole range would spend most of its steps there.
    /// </summary>
    public static double[] Karras(NoiseSchedule schedule, int steps, double rho = 7, double maxNoise = 80)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        CheckSteps(steps);
        if (!double.IsFinite(rho) || rho <= 0) throw new ArgumentOutOfRangeException(nameof(rho), rho, "rho must be positive");
        if (double.IsNaN(maxNoise) || maxNoise <= 0) throw new ArgumentOutOfRangeException(nameof(maxNoise), maxNoise, "maxNoise must be positive");
        double noiseEnd = Math.Exp(-schedule.LogSnr(1.0) / 2), dataEnd = Math.Exp(-schedule.LogSnr(0.0) / 2);
        bool jump = noiseEnd > maxNoise && maxNoise > dataEnd && steps >= 2;
        int first = jump ? 1 : 0; // where the rho-spaced part starts
        double start = Math.Pow(jump ? maxNoise : noiseEnd, 1 / rho), end = Math.Pow(dataEnd, 1 / rho);
        return Build(steps, i =>
        {
            double s = Math.Pow(start + (end - start) * (i - first) / (steps - first), rho);
            return schedule.TimeFromLogSnr(-2 * Math.Log(s));
        });
    }

    /// <summary>Quadratic in t, denser near the data end: t_i = (1 - i / N)^2.</summary>
    public static double[] Quadratic(int steps)
    {
        CheckSteps(steps);
        return Build(steps, i => Math.Pow(1.0 - (double)i / steps, 2));
    }

    /// <summary>
    /// The union of a step list and frame times, sorted decreasing, so that every recorded frame time is exactly a step time.
    /// Times closer than 1e-12 are merged, keeping the frame's value.
    /// </summary>
    public static double[] WithFrames(IReadOnlyList<double> steps, IReadOnlyList<double> frames)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(frames);
        CheckTimes(steps, nameof(steps));
        CheckTimes(frames, nameof(frames));
        // Frames first so that a merge keeps the frame's exact value.
        var merged = new List<double>(steps.Count + frames.Count);
        foreach (double t in frames.Concat(steps))
            if (!merged.Any(m => Math.Abs(m - t) <= 1e-12)) merged.Add(t);
        merged.Sort((p, q) => q.CompareTo(p));
        return merged.ToArray();
    }

    private static double[] Build(int steps, Func<int, double> time)
    {
        var times = new double[steps + 1];
        for (int i = 0; i <= steps; i++) times[i] = time(i);
        times[0] = 1.0;
        times[steps] = 0.0;
        return times;
    }

    private static void CheckSteps(int steps)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "a step list needs at least 1 step");
    }

    private static void CheckTimes(IReadOnlyList<double> times, string name)
    {
        for (int i = 0; i < times.Count; i++)
            if (!double.IsFinite(times[i]) || times[i] < 0 || times[i] > 1)
                throw new ArgumentOutOfRangeException(name, times[i], $"time {i} must be in [0, 1]");
    }
}
