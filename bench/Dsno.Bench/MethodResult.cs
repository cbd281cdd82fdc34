namespace Dsno.Bench;

/// <summary>Quality of one method on the held-out noises, as stored in <c>results/method-&lt;id&gt;.json</c>.</summary>
/// <param name="Id">Method id.</param>
/// <param name="Label">Name in the tables.</param>
/// <param name="Evaluations">Network evaluations per image batch (one forward pass of the network counts one).</param>
/// <param name="Parameters">Parameters of the network used.</param>
/// <param name="Fd">Frechet distance in the classifier's feature space.</param>
/// <param name="Kid">KID (unbiased MMD^2, cubic kernel).</param>
/// <param name="KidStd">Standard deviation of KID over subsets.</param>
/// <param name="Precision">Improved precision (k = 3).</param>
/// <param name="Recall">Improved recall (k = 3).</param>
/// <param name="RmsToTeacher">RMS pixel difference to the reference solve's final frame for the same noise (pixels in [-1, 1]).</param>
/// <param name="Samples">Images evaluated.</param>
/// <param name="GenerationSeconds">Wall time of generating them in the evaluation process (informational; the tables use the speed stage).</param>
/// <param name="FrameTimes">For DSNO: its frame times.</param>
/// <param name="FrameRms">For DSNO: RMS to the reference solve's frames at those times.</param>
public sealed record MethodResult(string Id, string Label, int Evaluations, long Parameters, double Fd, double Kid, double KidStd, double Precision,
    double Recall, double RmsToTeacher, int Samples, double GenerationSeconds, double[]? FrameTimes, double[]? FrameRms);
