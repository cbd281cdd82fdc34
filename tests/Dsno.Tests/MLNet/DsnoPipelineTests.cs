using Dsno.MLNet;
using Dsno.Tests.MLNetInfrastructure;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Dsno.Tests.MLNet;

public class DsnoPipelineTests
{
    [Fact]
    public void DsnoFitsInsideAPipelineAndFeedsAStockTransform()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.Teacher;
        var trajectories = MlNetModels.Trajectories(ml, teacher, 64);
        var options = MlNetModels.DsnoOptions(teacher, steps: 10);
        options.NoiseColumnName = "X";
        var pipeline = ml.Transforms.CopyColumns("X", "Noise")
            .Append(ml.Transforms.Dsno(options))
            .Append(ml.Transforms.NormalizeMinMax("Image", fixZero: false));
        var model = pipeline.Fit(trajectories);
        // The normaliser was fitted on DSNO's output for these rows, so they map into [0, 1].
        var output = model.Transform(trajectories);
        var images = MlNetModels.Column(output, "Image");
        Assert.Equal(64, images.Length);
        Assert.All(images, row => Assert.All(row, v => Assert.InRange(v, -1e-6f, 1 + 1e-6f))); // NormalizeMinMax ran on DSNO's output
        Assert.True(output.Schema["Trajectory"].Annotations.Schema.GetColumnOrNull("Times") is not null);
    }

    [Fact]
    public void TrajectoriesRoundTripThroughAnIdvFileWithTheirTimes()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var trajectories = MlNetModels.Trajectories(ml, MlNetModels.Teacher, 40);
        string path = Path.Combine(TinyModels.TempDir(), "trajectories.idv");
        using (var stream = File.Create(path)) ml.Data.SaveAsBinary(trajectories, stream);
        var loaded = ml.Data.LoadFromBinary(path);

        var column = loaded.Schema["Trajectory"];
        Assert.Equal(new[] { 4, 1, 8, 8 }, ((VectorDataViewType)column.Type).Dimensions.ToArray());
        VBuffer<float> times = default;
        column.Annotations.GetValue("Times", ref times);
        Assert.Equal(TimeGrid.Quadratic(4).Times, times.DenseValues().ToArray());
        Assert.Equal(MlNetModels.Column(trajectories, "Trajectory"), MlNetModels.Column(loaded, "Trajectory"));
        Assert.Equal(MlNetModels.Column(trajectories, "Noise"), MlNetModels.Column(loaded, "Noise"));
    }

    [Fact]
    public void TransformRunsOneForwardPassPerBatchAndIsLazy()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.Teacher;
        var dsno = ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, steps: 2)).Fit(MlNetModels.Trajectories(ml, teacher, 32));
        int before = dsno.ForwardPasses;
        var output = dsno.Transform(ml.Data.GaussianNoise(1000, 1, 8, 8, seed: 4));
        Assert.Equal(before, dsno.ForwardPasses); // nothing computed yet
        Assert.Equal(1000, MlNetModels.Column(output, "Image").Length);
        Assert.InRange(dsno.ForwardPasses - before, 1, 16); // 1000 rows at batch 64
    }

    [Fact]
    public void TrainedDsnoMatchesTheTeacherBetterThanUntrained()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.Teacher;
        var trajectories = MlNetModels.Trajectories(ml, teacher, 256);
        var heldOut = ml.Data.GaussianNoise(64, 1, 8, 8, seed: 1234);
        var target = MlNetModels.Column(teacher.Transform(heldOut), "Image");

        var untrained = ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, steps: 1)).Fit(trajectories);
        var trained = ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, steps: 80)).Fit(trajectories);
        double before = MlNetModels.MeanSquaredDistance(MlNetModels.Column(untrained.Transform(heldOut), "Image"), target);
        double after = MlNetModels.MeanSquaredDistance(MlNetModels.Column(trained.Transform(heldOut), "Image"), target);
        Assert.True(after < 0.7 * before, $"distance to the teacher did not fall enough: {before:F4} -> {after:F4}");
    }

    [Fact]
    public void PredictionEngineGivesTheBatchedOutput()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.Teacher;
        var dsno = ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, steps: 2)).Fit(MlNetModels.Trajectories(ml, teacher, 32));
        var noise = ml.Data.GaussianNoise(3, 1, 8, 8, seed: 8);
        var batched = MlNetModels.Column(dsno.Transform(noise), "Image");
        var rows = ml.Data.CreateEnumerable<NoiseInput>(noise, reuseRowObject: false).ToList();
        var engine = ml.Model.CreatePredictionEngine<NoiseInput, ImageOutput>(dsno, noise.Schema);
        for (int i = 0; i < rows.Count; i++)
        {
            var image = engine.Predict(rows[i]).Image;
            Assert.Equal(64, image.Length);
            // A tolerance, not Assert.Equal(a, b, 4): that rounds both to 4 decimals, so values 3e-7 apart on either side of a rounding
            // boundary fail (seen: -0.598749995 against -0.598750293).
            for (int k = 0; k < 64; k++) Assert.InRange(Math.Abs(batched[i][k] - image[k]), 0, 1e-4);
        }
    }

    [Fact]
    public void TeacherImageDoesNotDependOnWhichColumnsAreRead()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var output = MlNetModels.Teacher.Transform(ml.Data.GaussianNoise(8, 1, 8, 8, seed: 31));
        var alone = MlNetModels.Column(output, "Image");
        var both = new List<float[]>();
        using (var cursor = output.GetRowCursor(new[] { output.Schema["Image"], output.Schema["Trajectory"] }))
        {
            var get = cursor.GetGetter<VBuffer<float>>(output.Schema["Image"]);
            var getTrajectory = cursor.GetGetter<VBuffer<float>>(output.Schema["Trajectory"]);
            VBuffer<float> image = default, trajectory = default;
            while (cursor.MoveNext())
            {
                getTrajectory(ref trajectory);
                get(ref image);
                both.Add(image.DenseValues().ToArray());
            }
        }
        Assert.Equal(alone, both);
    }

    [Fact]
    public void MLImageColumnIsClampedOpaqueAndDeclared()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.Teacher;
        var trajectories = MlNetModels.Trajectories(ml, teacher, 32);
        var options = MlNetModels.DsnoOptions(teacher, steps: 2);
        options.OutputMLImage = true;
        var estimator = ml.Transforms.Dsno(options);
        Assert.Contains(estimator.GetOutputSchema(Dsno.MLNet.Internal.SchemaShapes.FromSchema(trajectories.Schema)), c => c.Name == "MLImage");
        var output = estimator.Fit(trajectories).Transform(ml.Data.GaussianNoise(3, 1, 8, 8, seed: 2));
        var images = MlNetModels.Column(output, "Image");
        var column = output.Schema["MLImage"];
        using var cursor = output.GetRowCursor(new[] { column });
        var get = cursor.GetGetter<MLImage>(column);
        int row = 0;
        while (cursor.MoveNext())
        {
            MLImage image = null!;
            get(ref image);
            using (image)
            {
                Assert.Equal(8, image.Width);
                var pixels = image.Pixels.ToArray(); // RGBA
                for (int p = 0; p < 64; p++)
                {
                    Assert.Equal(255, pixels[4 * p + 3]);
                    float v = Math.Clamp(images[row][p], -1, 1);
                    Assert.InRange(pixels[4 * p], (byte)Math.Max(0, Math.Floor((v + 1) * 127.5) - 1), (byte)Math.Min(255, Math.Ceiling((v + 1) * 127.5) + 1));
                }
            }
            row++;
        }
        Assert.Equal(3, row);
    }

    private sealed class NoiseInput
    {
        [VectorType(1, 8, 8)] public float[] Noise { get; set; } = Array.Empty<float>();
    }

    private sealed class ImageOutput
    {
        [VectorType(1, 8, 8)] public float[] Image { get; set; } = Array.Empty<float>();
    }
}
