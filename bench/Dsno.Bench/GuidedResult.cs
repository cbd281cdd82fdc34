namespace Dsno.Bench;

/// <summary>One row of the guided benchmark: a method at a guidance scale, scored on the held-out noises with balanced labels.</summary>
/// <param name="Method">Name in the tables.</param>
/// <param name="W">Guidance scale w.</param>
/// <param name="Evaluations">Network evaluations per image.</param>
/// <param name="Fd">Frechet distance in the classifier's feature space.</param>
/// <param name="Precision">Precision (k = 3).</param>
/// <param name="Recall">Recall (k = 3).</param>
/// <param name="ClassAccuracy">Share of images the classifier assigns to the requested class.</param>
/// <param name="SecondsPer1000">Seconds per 1,000 images (one pass, one process).</param>
public sealed record GuidedResult(string Method, double W, int Evaluations, double Fd, double Precision, double Recall, double ClassAccuracy, double SecondsPer1000)
{
    /// <summary>Guided DDIM with 50 steps: the quality reference of the goals.</summary>
    public const string Ddim50 = "Teacher DDIM-50 (guided)";
    /// <summary>Guided DPM-Solver++(2M) with 10 steps: the speed reference of the goals.</summary>
    public const string DpmSolver10 = "Teacher DPM-Solver++(2M)-10 (guided)";
    /// <summary>Variant (a): one DSNO distilled per w.</summary>
    public const string PerW = "DSNO (a), one model per w";
    /// <summary>Variant (b): one DSNO with w as an input, trained as long as one model of (a).</summary>
    public const string Conditioned = "DSNO (b), w as an input";
    /// <summary>Variant (b) with the training budget of all the models of (a) together: as many trajectories and steps.</summary>
    public const string ConditionedMatched = "DSNO (b), w as an input, matched total budget";

    /// <summary>The DSNO methods, in table order.</summary>
    public static IReadOnlyList<string> DsnoMethods { get; } = new[] { PerW, Conditioned, ConditionedMatched };
}
