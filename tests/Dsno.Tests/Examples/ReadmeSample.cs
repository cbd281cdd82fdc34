using Dsno.MLNet;
using Microsoft.ML;

namespace Dsno.Tests.Examples;

/// <summary>
/// The ML.NET code sample of README.md, kept here so that it compiles with the library; <see cref="ReadmeTests"/> checks that the
/// README shows exactly this code. It trains for minutes, so the tests compile it but do not run it (QuickStartTests runs the same
/// path at a tiny size).
/// </summary>
internal static class ReadmeSample
{
    public static void Run()
    {
        // README sample begins
        var ml = new MLContext(seed: 0);
        IDataView digits = ml.Data.LoadDigits();                   // Image [1, 8, 8] in [-1, 1], Label

        // 1. A diffusion teacher: an epsilon-prediction U-Net, sampled with DDIM.
        var teacher = ml.Transforms.DiffusionTeacher(new DiffusionTeacherOptions
        {
            TrainingSteps = 1500, BatchSize = 64, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 1,
            Solver = OdeSolver.Ddim, SolverSteps = 64, Frames = TimeGrid.Quadratic(4),
        }).Fit(digits);

        // 2. Its ODE trajectories: Noise in, Trajectory [4, 1, 8, 8] (with its Times annotation) out, saved as an .idv file.
        IDataView noise = ml.Data.GaussianNoise(rows: 2048, channels: 1, height: 8, width: 8, seed: 1);
        using (var file = File.Create("trajectories.idv"))
            ml.Data.SaveAsBinary(ml.Data.Cache(teacher.Transform(noise)), file);

        // 3. DSNO: the teacher's U-Net plus temporal convolutions, initialised from the teacher, trained by streaming the file.
        DsnoTransformer dsno = ml.Transforms.Dsno(new DsnoOptions { Teacher = teacher, TrainingSteps = 1000, BatchSize = 32 })
            .Fit(ml.Data.LoadFromBinary("trajectories.idv"));

        // 4. One forward pass per batch: the images, or the whole trajectory at any times in [0, 1].
        float[][] images = dsno.Generate(count: 64, seed: 7);
        DsnoImages.SaveGrid(images, channels: 1, height: 8, width: 8, "samples.png");
        IDataView frames = dsno.WithQueryTimes(0.9f, 0.5f, 0.1f, 0f).Transform(ml.Data.GaussianNoise(64, 1, 8, 8, seed: 7));

        // 5. An ordinary ML.NET transformer: save it, load it in any process, put it in a pipeline.
        ml.Model.Save(dsno, noise.Schema, "dsno.zip");
        ITransformer loaded = new MLContext().Model.Load("dsno.zip", out DataViewSchema inputSchema);
        // README sample ends
        _ = (frames, loaded, inputSchema);
    }
}
