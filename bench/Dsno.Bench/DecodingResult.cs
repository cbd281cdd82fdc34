namespace Dsno.Bench;

/// <summary>Continuous-time decoding: RMS to the reference solve's frames at times DSNO (M = 4) was and was not trained on.</summary>
/// <param name="Times">Query times (the quadratic M = 8 grid).</param>
/// <param name="Trained">Whether DSNO M = 4 was trained at each time.</param>
/// <param name="OnePass">DSNO M = 4's one-pass output at its trained times (NaN elsewhere).</param>
/// <param name="Decoded">DSNO M = 4 decoded at all eight times in one refined pass.</param>
/// <param name="DecodedUntrainedOnly">DSNO M = 4 decoded at the untrained times alone.</param>
/// <param name="Refinement">Refinement factor r of the decode plan (slices = r M).</param>
/// <param name="DsnoM8">DSNO M = 8, trained at all eight times.</param>
/// <param name="TeacherInterpolation">The reference solve's own frames at the four trained times, interpolated linearly in t (nearest above the first).</param>
/// <param name="Samples">Held-out noises.</param>
public sealed record DecodingResult(double[] Times, bool[] Trained, double[] OnePass, double[] Decoded, double[] DecodedUntrainedOnly, int Refinement,
    double[] DsnoM8, double[] TeacherInterpolation, int Samples);
