using Dsno.Examples.QuickStart;
using Dsno.MLNet;
using Dsno.Tests.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;

namespace Dsno.Tests.Examples;

/// <summary>The README's first command, run in-process at a tiny size (examples/QuickStart).</summary>
public class QuickStartTests
{
    [Fact]
    public void TinyRunWritesPngsOfTheExpectedSizeAndAModelThatReloadsToTheSameImages()
    {
        torch.set_num_threads(1);
        using var folder = new TempFolder();
        var options = QuickStartOptions.Tiny();
        options.OutputFolder = folder.File("out");
        options.Threads = 1;
        options.SolverSteps = 16; // every quadratic frame time (9/16, 4/16, 1/16, 0) is a solver step: no steps are inserted
        var log = new StringWriter();

        var result = QuickStartRun.Execute(options, log);

        foreach (var file in new[] { result.SamplesPicture, result.TrajectoriesPicture, result.ModelPath, result.TrajectoriesPath })
            Assert.True(File.Exists(file), $"missing {file}");
        Assert.Equal(new[] { "dsno-model.zip", "samples.png", "trajectories.idv", "trajectories.png" },
            Directory.GetFiles(result.OutputFolder).Select(Path.GetFileName).Order().ToArray()); // no leftover parts

        // Sizes follow from DsnoImages' layout: cells of side*scale pixels with a 1-pixel gap around each.
        int side = 8, m = options.Frames;
        int Span(int cells, int scale) => cells * (side * scale + 1) + 1;
        int gridRows = (options.SampleImages + QuickStartRun.GridColumns - 1) / QuickStartRun.GridColumns;
        var samples = Image.Identify(result.SamplesPicture);
        Assert.IsType<PngMetadata>(samples.Metadata.GetPngMetadata());
        Assert.Equal(2 * Span(QuickStartRun.GridColumns, QuickStartRun.SampleScale) + QuickStartRun.PanelGap, samples.Width);
        Assert.Equal(Span(gridRows, QuickStartRun.SampleScale), samples.Height);
        var strip = Image.Identify(result.TrajectoriesPicture);
        Assert.Equal(Span(m + 1, QuickStartRun.StripScale), strip.Width); // x_T, then M frames
        Assert.Equal(options.StripTrajectories * Span(2, QuickStartRun.StripScale) + (options.StripTrajectories - 1) * QuickStartRun.PanelGap, strip.Height);

        // The model reloads in a new MLContext; its images are the ones drawn in the left panel of the samples picture.
        var ml = new MLContext(seed: 99);
        var model = ml.Model.Load(result.ModelPath, out var inputSchema);
        Assert.NotNull(inputSchema.GetColumnOrNull("Noise"));
        var images = MlNetModels.Column(model.Transform(ml.Data.GaussianNoise(options.SampleImages, 1, side, side, seed: options.Seed + 1000)), "Image");
        Assert.Equal(options.SampleImages, images.Length);
        using var picture = Image.Load<Rgb24>(result.SamplesPicture);
        int scale = QuickStartRun.SampleScale;
        for (int i = 0; i < images.Length; i++)
        {
            int x0 = 1 + (i % QuickStartRun.GridColumns) * (side * scale + 1), y0 = 1 + (i / QuickStartRun.GridColumns) * (side * scale + 1);
            for (int p = 0; p < side * side; p++)
            {
                // Centre of the pixel's scale x scale block, against [-1, 1] -> 0..255.
                var pixel = picture[x0 + (p % side) * scale + scale / 2, y0 + (p / side) * scale + scale / 2];
                double expected = Math.Clamp((images[i][p] + 1) * 127.5, 0, 255);
                Assert.InRange(pixel.R, expected - 0.51, expected + 0.51);
            }
        }
        Assert.True(result.ReloadIdentical);
        Assert.Contains("identical images", log.ToString());

        // The trajectory cache is an ML.NET binary file with the frame times annotated.
        var trajectories = ml.Data.LoadFromBinary(result.TrajectoriesPath);
        Assert.Equal(options.Trajectories, MlNetModels.Column(trajectories, "Trajectory").Length);
        Assert.Equal(new[] { m, 1, side, side }, ((VectorDataViewType)trajectories.Schema["Trajectory"].Type).Dimensions.ToArray());
        VBuffer<float> times = default;
        trajectories.Schema["Trajectory"].Annotations.GetValue("Times", ref times);
        Assert.Equal(TimeGrid.Quadratic(m).Times, times.DenseValues().ToArray());

        // One forward pass per batch for DSNO against one per solver step per batch for the teacher.
        int batches = (options.EvaluationImages + 63) / 64;
        Assert.Equal(batches, result.DsnoForwardPasses);
        Assert.Equal(batches * options.SolverSteps, result.TeacherForwardPasses);
        Assert.True(result.DsnoToTeacher < result.UnrelatedToTeacher, $"DSNO {result.DsnoToTeacher:F3} vs unrelated {result.UnrelatedToTeacher:F3}");
    }

    [Fact]
    public void CommandLineOptionsOverrideTheTinySizesAndBadOnesAreRejected()
    {
        var options = QuickStartOptions.Parse(new[] { "--steps", "7", "--tiny", "--out", "x", "--data", "digits" });
        Assert.True(options.IsTiny);
        Assert.Equal(7, options.TeacherSteps);
        Assert.Equal(QuickStartOptions.Tiny().DsnoSteps, options.DsnoSteps);
        Assert.Equal("x", options.OutputFolder);
        Assert.Equal(new QuickStartOptions().TeacherSteps, QuickStartOptions.Parse(Array.Empty<string>()).TeacherSteps);

        Assert.Equal(LossWeighting.Uniform, QuickStartOptions.Parse(new[] { "--weighting", "uniform" }).Weighting);
        Assert.Equal(LossWeighting.SqrtSnr, new QuickStartOptions().Weighting);
        Assert.Equal(0, new QuickStartOptions().Threads);

        Assert.Contains("--weighting", Assert.Throws<ArgumentException>(() => QuickStartOptions.Parse(new[] { "--weighting", "snr" })).Message);
        Assert.Contains("--bogus", Assert.Throws<ArgumentException>(() => QuickStartOptions.Parse(new[] { "--bogus" })).Message);
        Assert.Contains("--steps", Assert.Throws<ArgumentException>(() => QuickStartOptions.Parse(new[] { "--steps", "0" })).Message);
        Assert.Contains("--steps", Assert.Throws<ArgumentException>(() => QuickStartOptions.Parse(new[] { "--steps" })).Message);
        Assert.Contains("--solver-steps", Assert.Throws<ArgumentException>(() => QuickStartOptions.Parse(new[] { "--solver-steps", "2", "--frames", "4" })).Message);
    }

    [Fact]
    public void AMissingDataFileIsNamed()
    {
        var options = QuickStartOptions.Tiny();
        using var folder = new TempFolder();
        options.OutputFolder = folder.File("out");
        options.Data = folder.File("no-such-images.idx3-ubyte");
        var e = Assert.Throws<FileNotFoundException>(() => QuickStartRun.Execute(options, TextWriter.Null));
        Assert.Contains("no-such-images.idx3-ubyte", e.Message);
    }
}
