using Dsno.Diffusion;
using Dsno.Training;

namespace Dsno.Bench;

/// <summary>One distilled student: DSNO on a time grid with a loss weighting, or the one-step distillation baseline.</summary>
/// <param name="Id">File-name id.</param>
/// <param name="Label">Name in the tables.</param>
/// <param name="IsDsno">DSNO (true) or one-step distillation (false).</param>
/// <param name="M">Frames (1 for the one-step baseline).</param>
/// <param name="Grid">"quadratic" or "uniform" frame times.</param>
/// <param name="Weighting">Per-frame loss weights.</param>
/// <param name="BudgetFactor">Its training steps as a multiple of the matched budget (1 for every student of the main tables).</param>
/// <param name="Decay">How its learning rate falls after the warm-up.</param>
/// <param name="Distance">Its per-frame loss distance.</param>
/// <param name="RecordsFactor">Its training records as a multiple of the configuration's trajectory count (the main records are the first ones).</param>
/// <param name="SnapshotOf">
/// The id of the longer run whose averaged weights after <see cref="Steps"/> steps are this student (null: trained on its own). The
/// learning rate is constant after warm-up, so the snapshot is bit for bit the model of a run of that length (TrainingSnapshotTests).
/// </param>
public sealed record StudentSpec(string Id, string Label, bool IsDsno, int M, string Grid, FrameWeighting Weighting, double BudgetFactor = 1,
    LearningRateDecay Decay = LearningRateDecay.Constant, TrajectoryDistance Distance = TrajectoryDistance.L1, int RecordsFactor = 1, string? SnapshotOf = null)
{
    /// <summary>The records of <see cref="MoreRecords"/>, as a multiple of the configuration's trajectory count.</summary>
    public const int MoreRecordsFactor = 2;

    /// <summary>The number of records it trains on under <paramref name="config"/>.</summary>
    public int Records(BenchConfig config) => config.TrajectoryCount * RecordsFactor;

    /// <summary>Its optimiser steps under <paramref name="config"/>.</summary>
    public int Steps(BenchConfig config) => Math.Max(1, (int)Math.Round(config.StudentSteps * BudgetFactor));

    /// <summary>The frame times it is trained on.</summary>
    public double[] Times => !IsDsno ? new[] { 0.0 } : Grid == "uniform" ? FrameTimes.Uniform(M) : FrameTimes.Quadratic(M);

    /// <summary>The students of every benchmark, in table order.</summary>
    public static IReadOnlyList<StudentSpec> All { get; } = new[]
    {
        new StudentSpec("kd", "One-step distillation (KD)", false, 1, "-", FrameWeighting.Uniform, SnapshotOf: "kd-double-budget"),
        new StudentSpec("dsno-m2", "DSNO M=2", true, 2, "quadratic", FrameWeighting.SqrtSnr),
        new StudentSpec("dsno-m4", "DSNO M=4", true, 4, "quadratic", FrameWeighting.SqrtSnr, SnapshotOf: "dsno-m4-double-budget"),
        new StudentSpec("dsno-m8", "DSNO M=8", true, 8, "quadratic", FrameWeighting.SqrtSnr),
        new StudentSpec("dsno-m4-uniform-weights", "DSNO M=4, uniform loss weights", true, 4, "quadratic", FrameWeighting.Uniform),
        new StudentSpec("dsno-m4-uniform-times", "DSNO M=4, uniform times", true, 4, "uniform", FrameWeighting.SqrtSnr),
    };

    /// <summary>
    /// The training-budget curve of DSNO M=4 and the one-step baseline: one run each at twice the matched budget, with snapshots after
    /// 1/4, 1/2, 1 (the main tables' students) and 3/2 of the matched budget: how far each gap is a matter of training time.
    /// </summary>
    public static IReadOnlyList<StudentSpec> Budget { get; } = new[]
    {
        new StudentSpec("kd-quarter-budget", "One-step distillation (KD), 1/4 budget", false, 1, "-", FrameWeighting.Uniform, 0.25, SnapshotOf: "kd-double-budget"),
        new StudentSpec("dsno-m4-quarter-budget", "DSNO M=4, 1/4 budget", true, 4, "quadratic", FrameWeighting.SqrtSnr, 0.25, SnapshotOf: "dsno-m4-double-budget"),
        new StudentSpec("kd-half-budget", "One-step distillation (KD), 1/2 budget", false, 1, "-", FrameWeighting.Uniform, 0.5, SnapshotOf: "kd-double-budget"),
        new StudentSpec("dsno-m4-half-budget", "DSNO M=4, 1/2 budget", true, 4, "quadratic", FrameWeighting.SqrtSnr, 0.5, SnapshotOf: "dsno-m4-double-budget"),
        new StudentSpec("kd-1.5x-budget", "One-step distillation (KD), 1.5x budget", false, 1, "-", FrameWeighting.Uniform, 1.5, SnapshotOf: "kd-double-budget"),
        new StudentSpec("dsno-m4-1.5x-budget", "DSNO M=4, 1.5x budget", true, 4, "quadratic", FrameWeighting.SqrtSnr, 1.5, SnapshotOf: "dsno-m4-double-budget"),
        new StudentSpec("kd-double-budget", "One-step distillation (KD), 2x budget", false, 1, "-", FrameWeighting.Uniform, 2),
        new StudentSpec("dsno-m4-double-budget", "DSNO M=4, 2x budget", true, 4, "quadratic", FrameWeighting.SqrtSnr, 2),
    };

    /// <summary>The budget curve's ids of DSNO M=4 and of the one-step baseline, shortest first.</summary>
    public static IReadOnlyList<string> BudgetCurve(bool dsno) => dsno
        ? new[] { "dsno-m4-quarter-budget", "dsno-m4-half-budget", "dsno-m4", "dsno-m4-1.5x-budget", "dsno-m4-double-budget" }
        : new[] { "kd-quarter-budget", "kd-half-budget", "kd", "kd-1.5x-budget", "kd-double-budget" };

    /// <summary>
    /// The recipe levers at the matched budget, against DSNO M=4 and the one-step baseline of <see cref="All"/>: a cosine decay of
    /// the learning rate to zero together with the pseudo-Huber distance (each alone beat the plain recipe in a 1,000-step screening on
    /// fashion16: FD 1.61 and 1.70 against 1.95); the one-step baseline gets the same recipe, so the comparison stays fair. Each
    /// further row costs about 17 minutes of one core on fashion16, which the 2-core machine's budget does not have.
    /// </summary>
    public static IReadOnlyList<StudentSpec> Recipes { get; } = new[]
    {
        new StudentSpec("dsno-m4-cosine-huber", "DSNO M=4, cosine decay + pseudo-Huber", true, 4, "quadratic", FrameWeighting.SqrtSnr,
            Decay: LearningRateDecay.Cosine, Distance: TrajectoryDistance.PseudoHuber),
        new StudentSpec("kd-cosine-huber", "One-step distillation (KD), cosine decay + pseudo-Huber", false, 1, "-", FrameWeighting.Uniform,
            Decay: LearningRateDecay.Cosine, Distance: TrajectoryDistance.PseudoHuber),
    };

    /// <summary>
    /// The trajectory-count lever (<see cref="BenchConfig.TrajectoryCountLever"/>): the best recipe of <see cref="Recipes"/> for DSNO M=4 and the
    /// one-step baseline again, on <see cref="MoreRecordsFactor"/> times the records with the same steps, batch and seed: what more
    /// trajectories buy when the training budget stays the same.
    /// </summary>
    public static IReadOnlyList<StudentSpec> MoreRecords { get; } = new[]
    {
        new StudentSpec("dsno-m4-cosine-huber-2x-records", "DSNO M=4, cosine decay + pseudo-Huber, 2x trajectories", true, 4, "quadratic", FrameWeighting.SqrtSnr,
            Decay: LearningRateDecay.Cosine, Distance: TrajectoryDistance.PseudoHuber, RecordsFactor: MoreRecordsFactor),
        new StudentSpec("kd-cosine-huber-2x-records", "One-step distillation (KD), cosine decay + pseudo-Huber, 2x trajectories", false, 1, "-", FrameWeighting.Uniform,
            Decay: LearningRateDecay.Cosine, Distance: TrajectoryDistance.PseudoHuber, RecordsFactor: MoreRecordsFactor),
    };

    /// <summary>The one-step baseline trained with the same recipe (decay, distance and records) as <paramref name="dsno"/>, if there is one.</summary>
    public static StudentSpec? OneStepWithRecipeOf(StudentSpec dsno) =>
        new[] { Get("kd") }.Concat(Recipes).Concat(MoreRecords).Where(s => !s.IsDsno)
            .FirstOrDefault(s => s.Decay == dsno.Decay && s.Distance == dsno.Distance && s.RecordsFactor == dsno.RecordsFactor);

    /// <summary>Every student any configuration trains: <see cref="All"/>, then <see cref="Budget"/>, <see cref="Recipes"/> and <see cref="MoreRecords"/>.</summary>
    public static IEnumerable<StudentSpec> Trained => All.Concat(Budget).Concat(Recipes).Concat(MoreRecords);

    /// <summary>The students <paramref name="config"/> trains: <see cref="MoreRecords"/> only with its trajectory-count lever.</summary>
    public static IEnumerable<StudentSpec> TrainedIn(BenchConfig config) => Trained.Where(s => s.RecordsFactor == 1 || config.TrajectoryCountLever);

    /// <summary>The student with this id.</summary>
    public static StudentSpec Get(string id) => Trained.First(s => s.Id == id);
}
