using System.Diagnostics;
using System.Globalization;
using Dsno.MLNet;
using Microsoft.ML;
using TorchSharp;

namespace Dsno.Examples.QuickStart;

/// <summary>
/// The QuickStart path, end to end with the ML.NET API: train a diffusion teacher, record its ODE trajectories to a <c>.idv</c> file,
/// fit DSNO on them, generate images in one forward pass, compare with the teacher's solver, save and reload the model, and draw
/// the pictures.
/// </summary>
public static class QuickStartRun
{
    /// <summary>Columns of the samples picture's two grids.</summary>
    public const int GridColumns = 8;

    /// <summary>Pixels per image pixel in the samples picture.</summary>
    public const int SampleScale = 6;

    /// <summary>Pixels per image pixel in the trajectory picture.</summary>
    public const int StripScale = 10;

    /// <summary>White space between the panels of a picture.</summary>
    public const int PanelGap = 12;

    /// <summary>File names inside the output folder.</summary>
    public const string SamplesFile = "samples.png", TrajectoriesFile = "trajectories.png", ModelFile = "dsno-model.zip", TrajectoryDataFile = "trajectories.idv";

    /// <summary>Runs everything with <paramref name="options"/>, writing progress and a summary to <paramref name="log"/>.</summary>
    public static QuickStartResult Execute(QuickStartOptions options, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        options.Validate();
        var clock = Stopwatch.StartNew();
        if (options.Threads > 0) torch.set_num_threads(options.Threads);
        string folder = Path.GetFullPath(options.OutputFolder);
        Directory.CreateDirectory(folder);
        var ml = new MLContext(seed: options.Seed);

        // 1. Data: an Image column [C, H, W] in [-1, 1].
        var (data, dataName) = LoadData(ml, options.Data);
        int[] shape = ImageColumns.Dimensions(data, "Image");
        int c = shape[0], h = shape[1], w = shape[2];
        log.WriteLine($"DSNO QuickStart: {dataName}, images {c}x{h}x{w}; torch threads {torch.get_num_threads()}, device {options.Device}; output {folder}");

        // 2. The teacher: an epsilon-prediction U-Net trained with the usual denoising loss.
        var frames = TimeGrid.Quadratic(options.Frames);
        var teacherProgress = new ProgressLine(log, "teacher");
        var teacher = ml.Transforms.DiffusionTeacher(new DiffusionTeacherOptions
        {
            BaseChannels = options.BaseChannels, ChannelMultipliers = Multipliers(h, w), ResBlocksPerLevel = options.ResBlocks,
            AttentionResolutions = Array.Empty<int>(), Dropout = options.IsTiny ? 0 : 0.1,
            TrainingSteps = options.TeacherSteps, BatchSize = options.TeacherBatchSize, LearningRate = 1e-3,
            WarmupSteps = Math.Min(100, options.TeacherSteps / 10), EmaDecay = options.IsTiny ? 0.9 : 0.999, Seed = options.Seed,
            Solver = OdeSolver.Ddim, SolverSteps = options.SolverSteps, Frames = frames, Device = options.Device, Progress = teacherProgress,
        }).Fit(data);
        teacherProgress.Finish(string.Create(CultureInfo.InvariantCulture, $"{teacher.Teacher.Network.ParameterCount:N0} parameters, loss {teacherProgress.LastLoss:0.0000}"));

        // 3. Trajectories: the teacher's DDIM solution from each noise, recorded at the frame times, streamed into a .idv file.
        string trajectoriesPath = Path.Combine(folder, TrajectoryDataFile);
        var trainingNoise = ml.Data.GaussianNoise(options.Trajectories, c, h, w, seed: options.Seed);
        var trajectoryProgress = new ProgressLine(log, "trajectories");
        long passesBefore = teacher.ForwardPasses;
        using (new ProgressPoll(trajectoryProgress, () => teacher.ForwardPasses - passesBefore, SolverPasses(options.Trajectories, options.SolverSteps)))
        {
            var solved = teacher.Transform(trainingNoise);
            // Cached: ML.NET's binary saver reads its input twice (once to size its blocks), and each read would solve again.
            var kept = ml.Data.Cache(ml.Transforms.SelectColumns("Noise", "Trajectory").Fit(solved).Transform(solved));
            using var file = File.Create(trajectoriesPath + ".tmp");
            ml.Data.SaveAsBinary(kept, file, keepHidden: false);
        }
        File.Move(trajectoriesPath + ".tmp", trajectoriesPath, overwrite: true);
        trajectoryProgress.Finish($"{options.Trajectories:N0} x DDIM {options.SolverSteps} steps ({teacher.ForwardPasses - passesBefore:N0} forward passes), " +
                                  $"frames at t = {frames} -> {TrajectoryDataFile} ({new FileInfo(trajectoriesPath).Length / 1e6:0.0} MB)");

        // 4. DSNO: the teacher's U-Net with temporal convolutions, initialised from the teacher, fitted by streaming the .idv file.
        var dsnoProgress = new ProgressLine(log, "dsno");
        var dsno = ml.Transforms.Dsno(new DsnoOptions
        {
            Teacher = teacher, TrainingSteps = options.DsnoSteps, BatchSize = options.DsnoBatchSize, LearningRate = 5e-4,
            WarmupSteps = Math.Min(100, options.DsnoSteps / 10), EmaDecay = options.IsTiny ? 0.9 : 0.995, Seed = options.Seed,
            LossWeighting = options.Weighting, Device = options.Device, Progress = dsnoProgress,
        }).Fit(ml.Data.LoadFromBinary(trajectoriesPath));
        dsnoProgress.Finish(string.Create(CultureInfo.InvariantCulture,
            $"{dsno.Parameters.Total:N0} parameters ({dsno.Parameters.Temporal:N0} temporal), loss {dsnoProgress.LastLoss:0.0000}"));

        // 5. The pictures' noise, generated by DSNO first (this also warms it up for the timing below).
        int evalSeed = options.Seed + 1000;
        var sampleNoise = ml.Data.GaussianNoise(options.SampleImages, c, h, w, seed: evalSeed);
        var dsnoSampled = ml.Data.Cache(dsno.Transform(sampleNoise), "Image", "Trajectory");
        var dsnoSamples = ImageColumns.Read(dsnoSampled, "Image");

        // 6. Time both on the same noise (DSNO: one pass per batch; the teacher: one per solver step per batch) and compare.
        var evalNoise = ml.Data.GaussianNoise(options.EvaluationImages, c, h, w, seed: evalSeed);
        var (dsnoImages, dsnoSeconds, dsnoPasses) = Timed(() => ImageColumns.Read(dsno.Transform(evalNoise), "Image"), () => dsno.ForwardPasses);
        var solverProgress = new ProgressLine(log, "teacher solve");
        long before = teacher.ForwardPasses;
        float[][] teacherImages;
        double teacherSeconds;
        int teacherPasses;
        using (new ProgressPoll(solverProgress, () => teacher.ForwardPasses - before, SolverPasses(options.EvaluationImages, options.SolverSteps)))
            (teacherImages, teacherSeconds, teacherPasses) = Timed(() => ImageColumns.Read(teacher.Transform(evalNoise), "Image"), () => teacher.ForwardPasses);
        solverProgress.Finish($"{options.EvaluationImages:N0} images for timing and comparison");
        var fewStep = teacher.WithSampler(OdeSolver.Ddim, options.Frames);
        var fewStepImages = ImageColumns.Read(fewStep.Transform(evalNoise), "Image");
        double dsnoDistance = ImageColumns.RmsDistance(dsnoImages, teacherImages);
        double fewStepDistance = ImageColumns.RmsDistance(fewStepImages, teacherImages);
        // Unrelated pairs: each teacher image against the next one (different noise).
        double unrelated = teacherImages.Length > 1
            ? ImageColumns.RmsDistance(teacherImages, teacherImages.Skip(1).Append(teacherImages[0]).ToArray())
            : double.NaN;

        // 7. Pictures: DSNO beside the teacher (figure 3), and DSNO's frames above the solver's (figure 2).
        string samplesPath = Path.Combine(folder, SamplesFile);
        string trajectoriesPicture = Path.Combine(folder, TrajectoriesFile);
        DrawSamples(dsnoSamples, teacherImages.Take(options.SampleImages).ToArray(), c, h, w, samplesPath);
        var sampleNoiseRows = ImageColumns.Read(sampleNoise, "Noise");
        var dsnoFrames = ImageColumns.Read(dsnoSampled, "Trajectory");
        var teacherFrames = ImageColumns.Read(teacher.Transform(ml.Data.TakeRows(sampleNoise, options.StripTrajectories)), "Trajectory");
        DrawTrajectories(sampleNoiseRows, dsnoFrames, teacherFrames, options.StripTrajectories, options.Frames, c, h, w, trajectoriesPicture);

        // 8. Save the model, load it back in a new MLContext, and check that it gives the same images bit for bit.
        string modelPath = Path.Combine(folder, ModelFile);
        ml.Model.Save(dsno, sampleNoise.Schema, modelPath);
        var fresh = new MLContext(seed: options.Seed + 1);
        var loaded = fresh.Model.Load(modelPath, out _);
        var reloaded = ImageColumns.Read(loaded.Transform(fresh.Data.GaussianNoise(options.SampleImages, c, h, w, seed: evalSeed)), "Image");
        bool identical = reloaded.Length == dsnoSamples.Length && reloaded.Zip(dsnoSamples).All(p => p.First.AsSpan().SequenceEqual(p.Second));

        var result = new QuickStartResult
        {
            OutputFolder = folder, SamplesPicture = samplesPath, TrajectoriesPicture = trajectoriesPicture, ModelPath = modelPath,
            TrajectoriesPath = trajectoriesPath, ImageShape = shape, FrameTimes = frames.Times, EvaluationImages = options.EvaluationImages,
            DsnoForwardPasses = dsnoPasses, TeacherForwardPasses = teacherPasses, BatchSize = TransformBatch,
            DsnoSecondsPer1000 = dsnoSeconds * 1000 / options.EvaluationImages, TeacherSecondsPer1000 = teacherSeconds * 1000 / options.EvaluationImages,
            DsnoToTeacher = dsnoDistance, FewStepToTeacher = fewStepDistance, UnrelatedToTeacher = unrelated, ReloadIdentical = identical,
            TeacherLoss = teacherProgress.LastLoss, DsnoLoss = dsnoProgress.LastLoss, Elapsed = clock.Elapsed,
        };
        WriteSummary(log, options, result);
        return result;
    }

    /// <summary>The data set named by <c>--data</c>: the embedded digits or an IDX image file.</summary>
    private static (IDataView Data, string Name) LoadData(MLContext ml, string source)
    {
        if (string.Equals(source, "digits", StringComparison.OrdinalIgnoreCase))
            return (ml.Data.LoadDigits(), "1,797 handwritten digits (UCI, E. Alpaydin and C. Kaynak, CC BY 4.0)");
        if (!File.Exists(source)) throw new FileNotFoundException($"--data: no such file '{source}' (give 'digits' or an IDX image file)", source);
        var images = ml.Data.LoadIdxImages(source);
        return (images, $"{Path.GetFileName(source)}");
    }

    /// <summary>U-Net levels: one halving for 8x8, two where the size allows (28 -> 14 -> 7, 32 -> 16 -> 8).</summary>
    private static int[] Multipliers(int h, int w) =>
        h % 4 == 0 && w % 4 == 0 && Math.Min(h, w) >= 16 ? new[] { 1, 2, 2 } : h % 2 == 0 && w % 2 == 0 ? new[] { 1, 2 } : new[] { 1 };

    // Both transformers solve or predict this many rows at a time (their options' default TransformBatchSize).
    private static readonly int TransformBatch = new DsnoOptions().TransformBatchSize;

    private static long SolverPasses(int rows, int steps) => (rows + TransformBatch - 1L) / TransformBatch * steps;

    private static (float[][] Images, double Seconds, int Passes) Timed(Func<float[][]> run, Func<int> passes)
    {
        int before = passes();
        var clock = Stopwatch.StartNew();
        var images = run();
        return (images, clock.Elapsed.TotalSeconds, passes() - before);
    }

    private static void DrawSamples(float[][] dsno, float[][] teacher, int c, int h, int w, string path)
    {
        string left = path + ".dsno.png", right = path + ".teacher.png";
        try
        {
            DsnoImages.SaveGrid(dsno, c, h, w, left, GridColumns, SampleScale);
            DsnoImages.SaveGrid(teacher, c, h, w, right, GridColumns, SampleScale);
            PictureLayout.SideBySide(new[] { left, right }, path, PanelGap);
        }
        finally
        {
            File.Delete(left);
            File.Delete(right);
        }
    }

    private static void DrawTrajectories(float[][] noise, float[][] dsno, float[][] teacher, int count, int m, int c, int h, int w, string path)
    {
        int size = c * h * w;
        var parts = new List<string>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                // Noise x_T first (t = 1), then the frames from noisiest to the sample; DSNO's row above the solver's.
                var rows = new[] { dsno[i], teacher[i] }
                    .Select(t => (IReadOnlyList<float[]>)new[] { noise[i] }.Concat(Enumerable.Range(0, m).Select(f => t.AsSpan(f * size, size).ToArray())).ToList());
                string part = $"{path}.{i}.png";
                parts.Add(part);
                DsnoImages.SaveTrajectoryStrip(rows, c, h, w, part, StripScale);
            }
            PictureLayout.Stacked(parts, path, PanelGap);
        }
        finally
        {
            foreach (var part in parts) File.Delete(part);
        }
    }

    private static void WriteSummary(TextWriter log, QuickStartOptions options, QuickStartResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        log.WriteLine();
        log.WriteLine("Summary");
        log.WriteLine(string.Create(inv, $"  forward passes for {r.EvaluationImages:N0} images (batches of {r.BatchSize}):  DSNO {r.DsnoForwardPasses:N0}   teacher DDIM-{options.SolverSteps} {r.TeacherForwardPasses:N0}"));
        log.WriteLine(string.Create(inv, $"  time per 1,000 images:                        DSNO {r.DsnoSecondsPer1000:0.00} s   teacher DDIM-{options.SolverSteps} {r.TeacherSecondsPer1000:0.00} s   ({r.TeacherSecondsPer1000 / r.DsnoSecondsPer1000:0.0}x faster)"));
        log.WriteLine(string.Create(inv, $"  RMS distance to the teacher's image (same noise, pixels in [-1, 1]):"));
        log.WriteLine(string.Create(inv, $"      DSNO, 1 pass {r.DsnoToTeacher:0.000}   DDIM-{options.Frames} ({options.Frames} passes) {r.FewStepToTeacher:0.000}   unrelated teacher images {r.UnrelatedToTeacher:0.000}"));
        log.WriteLine($"  model reloaded with a new MLContext: {(r.ReloadIdentical ? "identical images" : "DIFFERENT images")}");
        log.WriteLine($"  wrote {r.SamplesPicture} (left: DSNO, right: teacher, same noise)");
        log.WriteLine($"        {r.TrajectoriesPicture} (per noise: DSNO above the solver; x_T, then t = {string.Join(", ", r.FrameTimes.Select(t => t.ToString("0.####", inv)))})");
        log.WriteLine($"        {r.ModelPath}");
        log.WriteLine($"        {r.TrajectoriesPath}");
        log.WriteLine($"  total time {ProgressLine.FormatTime(r.Elapsed)}");
    }
}
