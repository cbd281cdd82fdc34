using Dsno.Metrics;
using Dsno.Networks;

namespace Dsno.Bench;

/// <summary>Everything that defines one data set's benchmark run: architecture, budgets, seeds and sample counts.</summary>
public sealed record BenchConfig
{
    /// <summary>Data set key: "digits", "fashion16" or "fashion32".</summary>
    public required string Dataset { get; init; }
    /// <summary>One line describing the data for the report.</summary>
    public required string DataDescription { get; init; }
    /// <summary>Teacher U-Net (also the backbone of every student).</summary>
    public required UNetOptions Architecture { get; init; }

    /// <summary>Teacher optimiser steps.</summary>
    public required int TeacherSteps { get; init; }
    /// <summary>Teacher batch size.</summary>
    public int TeacherBatch { get; init; } = 128;
    /// <summary>Teacher peak learning rate.</summary>
    public double TeacherLearningRate { get; init; } = 5e-4;
    /// <summary>Teacher warm-up steps.</summary>
    public int TeacherWarmup { get; init; } = 200;
    /// <summary>Teacher EMA decay.</summary>
    public double TeacherEma { get; init; } = 0.999;
    /// <summary>Teacher training seed.</summary>
    public int TeacherSeed { get; init; } = 0;

    /// <summary>The teacher's reference solver (the trajectories' solver).</summary>
    public string ReferenceSolver { get; init; } = "ddim";
    /// <summary>Step count of the reference solver (frame times are inserted on top).</summary>
    public required int ReferenceSteps { get; init; }

    /// <summary>Trajectory records generated for student training.</summary>
    public required int TrajectoryCount { get; init; }
    /// <summary>Noise seed of the training records.</summary>
    public int TrajectorySeed { get; init; } = 1;
    /// <summary>Records solved together while generating.</summary>
    public int TrajectoryBatch { get; init; } = 256;
    /// <summary>
    /// Measure the trajectory-count lever: generate <see cref="StudentSpec.MoreRecordsFactor"/> times <see cref="TrajectoryCount"/> records
    /// (the first <see cref="TrajectoryCount"/> are the main records) and train the students of <see cref="StudentSpec.MoreRecords"/> on them.
    /// </summary>
    public bool TrajectoryCountLever { get; init; }

    /// <summary>Optimiser steps of every student (matched budget).</summary>
    public required int StudentSteps { get; init; }
    /// <summary>Records per student step.</summary>
    public required int StudentBatch { get; init; }
    /// <summary>Student peak learning rate.</summary>
    public double StudentLearningRate { get; init; } = 5e-4;
    /// <summary>Student warm-up steps.</summary>
    public int StudentWarmup { get; init; } = 100;
    /// <summary>Student EMA decay.</summary>
    public double StudentEma { get; init; } = 0.995;
    /// <summary>Student training seed.</summary>
    public int StudentSeed { get; init; } = 0;

    /// <summary>Held-out noises every method is evaluated on.</summary>
    public int EvalSamples { get; init; } = 2000;
    /// <summary>Seed of the held-out noises (disjoint from <see cref="TrajectorySeed"/>).</summary>
    public int EvalSeed { get; init; } = 2;
    /// <summary>Images generated together during evaluation.</summary>
    public int EvalBatch { get; init; } = 250;

    /// <summary>
    /// Most image slices (noises x time points) DSNO evaluates in one call during evaluation and decoding: very large batches run
    /// several times slower per slice on this CPU (cache and memory traffic).
    /// </summary>
    public int MaxSlicesPerForward { get; init; } = 512;

    /// <summary>Images per timed generation call in the speed stage.</summary>
    public int TimingBatch { get; init; } = 250;
    /// <summary>Interleaved timing rounds (the fastest is kept).</summary>
    public int TimingRounds { get; init; } = 3;
    /// <summary>Batch sizes B of the forward-cost table.</summary>
    public IReadOnlyList<int> ForwardBatches { get; init; } = new[] { 16, 64 };

    /// <summary>Trajectories of the temporal power spectrum.</summary>
    public int SpectrumTrajectories { get; init; } = 256;
    /// <summary>Points of the fine uniform time grid of the spectrum.</summary>
    public int SpectrumPoints { get; init; } = 64;
    /// <summary>Noise seed of the spectrum trajectories.</summary>
    public int SpectrumSeed { get; init; } = 3;

    /// <summary>Feature classifier of the quality metrics.</summary>
    public ClassifierOptions Classifier { get; init; } = new();

    /// <summary>
    /// Tiny budgets that run every stage in a minute or two, to check the pipeline (its numbers mean nothing). Its files go to
    /// <c>&lt;dataset&gt;-smoke</c> so they never mix with a real run.
    /// </summary>
    public BenchConfig Smoke() => this with
    {
        Dataset = Dataset + "-smoke",
        // Small batches and sample counts: the suite runs this beside the other tests, and it was the suite's longest test (4 min).
        TeacherSteps = 40, TeacherBatch = 32, TeacherWarmup = 10, ReferenceSteps = 20, TrajectoryCount = 256, StudentSteps = 20, StudentBatch = 8,
        StudentWarmup = 5, EvalSamples = 128, EvalBatch = 64, TimingBatch = 16, TimingRounds = 1, ForwardBatches = new[] { 4 }, SpectrumTrajectories = 16,
        SpectrumPoints = 16, Classifier = Classifier with { Epochs = 1 }, TrajectoryCountLever = true,
    };

    /// <summary>The configuration of a data set.</summary>
    public static BenchConfig For(string dataset) => dataset switch
    {
        "digits" => new BenchConfig
        {
            Dataset = "digits",
            DataDescription = "UCI optical-recognition handwritten digits (1,797 images, 8x8, 1 channel; Alpaydin and Kaynak, CC BY 4.0), " +
                              "split 80/20 with a seeded permutation (seed 0)",
            Architecture = new UNetOptions
            {
                Channels = 1, Height = 8, Width = 8, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 2,
                AttentionResolutions = new[] { 4 }, Dropout = 0.1,
            },
            TeacherSteps = 2000,
            ReferenceSteps = 100,
            TrajectoryCount = 8192,
            StudentSteps = 400,
            StudentBatch = 32,
            Classifier = new ClassifierOptions { Epochs = 30, BatchSize = 64 },
        },
        "fashion16" => new BenchConfig
        {
            Dataset = "fashion16",
            DataDescription = "Fashion-MNIST (60,000 train + 10,000 test, 10 classes, MIT licence; Debian package dataset-fashion-mnist), " +
                              "28x28 padded to 32x32 with background, then 2x2 average-pooled to 16x16",
            Architecture = new UNetOptions
            {
                Channels = 1, Height = 16, Width = 16, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2, 2 }, ResBlocksPerLevel = 2,
                AttentionResolutions = new[] { 8 }, Dropout = 0.1,
            },
            // Budgets measured on the 2-core machine (1 torch thread): a teacher step of batch 64 took about 1 s, a DSNO M=4 step of batch
            // 16 about 0.35 s alone (0.85 s beside other jobs), a reference trajectory about 0.27 s. At 400 student steps the M=4 loss was
            // still falling (FD 2.88, reference 0.57) and the whole run took 1.5 hours; 1,000 steps spend the rest of the two hours.
            TeacherSteps = 2500,
            TeacherBatch = 64,
            ReferenceSteps = 50,
            TrajectoryCount = 4096,
            // 4,096 more records cost about 12 min of one core (0.17 s each), their two students about 16 min.
            TrajectoryCountLever = true,
            StudentSteps = 1000,
            StudentBatch = 16,
            EvalSamples = 1000,
            TimingBatch = 100,
            SpectrumTrajectories = 128,
            SpectrumPoints = 32,
            Classifier = new ClassifierOptions { Epochs = 4, BatchSize = 128 },
        },
        // The 32x32 option: the same data without the pooling, one more U-Net level. Four times the pixels: every stage costs about
        // four times fashion16's on the same budgets, too long for the 2-core machine's two hours; it is for a faster machine.
        "fashion32" => For("fashion16") with
        {
            Dataset = "fashion32",
            DataDescription = "Fashion-MNIST (60,000 train + 10,000 test, 10 classes, MIT licence; Debian package dataset-fashion-mnist), " +
                              "28x28 padded to 32x32 with background",
            Architecture = new UNetOptions
            {
                Channels = 1, Height = 32, Width = 32, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2, 2, 2 }, ResBlocksPerLevel = 2,
                AttentionResolutions = new[] { 8 }, Dropout = 0.1,
            },
        },
        _ => throw new ArgumentOutOfRangeException(nameof(dataset), dataset, "known data sets: digits, fashion16, fashion32"),
    };
}
