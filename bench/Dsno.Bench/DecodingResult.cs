namespace Dsno.Bench;

/// <summary>Continuous-time decoding: RMS to the reference solve's frames at times the M = 4 models were and were not trained on.</summary>
/// <param name="Times">Query times (the quadratic M = 8 grid).</param>
/// <param name="Trained">Whether the M = 4 models were trained at each time.</param>
/// <param name="Refinement">Refinement factor r of the decode plan (slices = r M).</param>
/// <param name="UntrainedAloneSamePlan">Decoding the untrained times alone evaluates the same slices as decoding all eight (so gives the same values).</param>
/// <param name="Models">The decoded M = 4 models.</param>
/// <param name="DsnoM8">DSNO M = 8, trained at all eight times (one pass).</param>
/// <param name="TeacherInterpolation">The reference solve's own frames at the four trained times, interpolated linearly in t (nearest above the first).</param>
/// <param name="Samples">Held-out noises.</param>
public sealed record DecodingResult(double[] Times, bool[] Trained, int Refinement, bool UntrainedAloneSamePlan, List<DecodedModel> Models,
    double[] DsnoM8, double[] TeacherInterpolation, int Samples);

/// <summary>One M = 4 model's errors.</summary>
/// <param name="Id">Student id.</param>
/// <param name="Label">Name in the table.</param>
/// <param name="OnePass">Its one-pass output at the trained times (NaN elsewhere).</param>
/// <param name="Decoded">Decoded at all eight times in one refined pass.</param>
public sealed record DecodedModel(string Id, string Label, double[] OnePass, double[] Decoded);
