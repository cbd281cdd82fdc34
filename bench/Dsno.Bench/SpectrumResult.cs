namespace Dsno.Bench;

/// <summary>Temporal power spectrum of the teacher's trajectories (the paper's appendix A.1, equation 13 with T = 1).</summary>
/// <param name="Trajectories">Trajectories averaged.</param>
/// <param name="Points">Points of the uniform time grid (t = (N-1)/N .. 0).</param>
/// <param name="Solver">Solver.</param>
/// <param name="Steps">Solver steps before inserting the grid.</param>
/// <param name="DenoisedMean">Mean power per frequency mode of the denoised estimates x0_hat(t), over trajectories and pixels.</param>
/// <param name="DenoisedMin">Smallest per-pixel mean power per mode.</param>
/// <param name="DenoisedMax">Largest per-pixel mean power per mode.</param>
/// <param name="StateMean">Mean power per mode of the states x(t).</param>
/// <param name="StateMin">Smallest per-pixel mean power of the states.</param>
/// <param name="StateMax">Largest per-pixel mean power of the states.</param>
public sealed record SpectrumResult(int Trajectories, int Points, string Solver, int Steps, double[] DenoisedMean, double[] DenoisedMin, double[] DenoisedMax,
    double[] StateMean, double[] StateMin, double[] StateMax)
{
    /// <summary>Fraction of the total power in modes 0..<paramref name="highestMode"/>.</summary>
    public static double Fraction(double[] power, int highestMode) => power.Take(highestMode + 1).Sum() / power.Sum();
}
