using Dsno.MLNet;
using Dsno.Tests.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using TorchSharp;

namespace Dsno.Tests.Guidance;

/// <summary>Guided trajectories through the ML.NET layer, and DSNO distilled on them: one model per w, and w as an input.</summary>
public class GuidedPipelineTests
{
    private static float[] Annotation(DataViewSchema.Column column, string name)
    {
        VBuffer<float> values = default;
        column.Annotations.GetValue(name, ref values);
        return values.DenseValues().ToArray();
    }

    private static double MaxDifference(float[][] a, float[][] b) => a.Zip(b, (x, y) => x.Zip(y, (u, v) => Math.Abs((double)u - v)).Max()).Max();

    [Fact]
    public void GuidedTeacherRecordsWInTheIdvAndCountsTwoEvaluationsPerStep()
    {
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.ConditionalTeacher;
        Assert.True(teacher.Teacher.SupportsGuidance);
        var noise = ml.Data.GaussianNoise(16, 1, 8, 8, seed: 7, classes: 10);
        var plain = teacher.WithSampler(OdeSolver.Ddim, 8);
        var guided = teacher.WithSampler(OdeSolver.Ddim, 8, guidance: 2.0);
        Assert.Equal(2.0, guided.GuidanceScale);
        Assert.Equal(0.0, plain.GuidanceScale);

        int before = teacher.ForwardPasses;
        var plainImages = MlNetModels.Column(plain.Transform(noise), "Image");
        int plainPasses = teacher.ForwardPasses - before;
        before = teacher.ForwardPasses;
        var guidedView = guided.Transform(noise);
        var guidedImages = MlNetModels.Column(guidedView, "Image");
        Assert.Equal(2 * plainPasses, teacher.ForwardPasses - before);
        Assert.True(MaxDifference(plainImages, guidedImages) > 1e-3, "guidance must change the samples");

        Assert.Equal(new[] { 2f }, Annotation(guidedView.Schema["Trajectory"], "Guidance"));
        Assert.Equal(new[] { 0f }, Annotation(plain.Transform(noise).Schema["Trajectory"], "Guidance"));
        string path = Path.Combine(TinyModels.TempDir(), "guided.idv");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var file = File.Create(path)) ml.Data.SaveAsBinary(guidedView, file);
        var reloaded = ml.Data.LoadFromBinary(path);
        Assert.Equal(new[] { 2f }, Annotation(reloaded.Schema["Trajectory"], "Guidance"));
        Assert.Equal(teacher.Frames.Times, Annotation(reloaded.Schema["Trajectory"], "Times"));
    }

    [Fact]
    public void APerRowGuidanceColumnSolvesEachRowAtItsOwnW()
    {
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.ConditionalTeacher.WithSampler(OdeSolver.Ddim, 8);
        var atTwo = ml.Data.GaussianNoise(8, 1, 8, 8, seed: 5, classes: 10, minGuidance: 2f, maxGuidance: 2f);
        var plainNoise = ml.Data.GaussianNoise(8, 1, 8, 8, seed: 5, classes: 10);
        var perRow = MlNetModels.Column(teacher.Transform(atTwo), "Image");
        var fixedW = MlNetModels.Column(teacher.WithSampler(OdeSolver.Ddim, 8, guidance: 2).Transform(plainNoise), "Image");
        Assert.True(MaxDifference(perRow, fixedW) < 1e-5);
        var unguided = MlNetModels.Column(teacher.Transform(plainNoise), "Image");
        Assert.True(MaxDifference(perRow, unguided) > 1e-3);

        var spread = ml.Data.GaussianNoise(64, 1, 8, 8, seed: 5, classes: 10, minGuidance: 0.5f, maxGuidance: 3f);
        var scales = spread.GetColumn<float>("Guidance").ToArray();
        Assert.InRange(scales.Min(), 0.5f, 1f);
        Assert.InRange(scales.Max(), 2.5f, 3f);
        Assert.Equal(scales, ml.Data.GaussianNoise(64, 1, 8, 8, seed: 5, classes: 10, minGuidance: 0.5f, maxGuidance: 3f).GetColumn<float>("Guidance").ToArray());
    }

    [Fact]
    public void BadGuidanceScalesAndUnguidableTeachersGiveClearErrors()
    {
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.ConditionalTeacher;
        Assert.Throws<ArgumentOutOfRangeException>(() => teacher.WithSampler(OdeSolver.Ddim, 8, guidance: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => teacher.WithSampler(OdeSolver.Ddim, 8, guidance: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => teacher.WithSampler(OdeSolver.Ddim, 8, guidance: double.PositiveInfinity));
        var e = Assert.Throws<ArgumentException>(() => MlNetModels.Teacher.WithSampler(OdeSolver.Ddim, 8, guidance: 1));
        Assert.Contains("unconditional", e.Message);
        var options = MlNetModels.TeacherOptions();
        options.GuidanceScale = 1;
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.DiffusionTeacher(options).Fit(ml.Data.LoadDigits()));
        var negativeColumn = ml.Data.GaussianNoise(4, 1, 8, 8, seed: 5, classes: 10, minGuidance: 0, maxGuidance: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Data.GaussianNoise(4, 1, 8, 8, seed: 5, classes: 10, minGuidance: -1, maxGuidance: 1));
        // Labels out of range: a clear error names the label.
        var noise = ml.Data.GaussianNoise(32, 1, 8, 8, seed: 5, classes: 12);
        var outOfRange = Assert.ThrowsAny<Exception>(() => MlNetModels.Column(teacher.WithSampler(OdeSolver.Ddim, 4, guidance: 1).Transform(noise), "Image"));
        Assert.Contains("outside the 10 classes", (outOfRange.InnerException ?? outOfRange).Message + outOfRange.Message);
        Assert.NotNull(negativeColumn);
    }

    [Fact]
    public void DsnoDistilledAtOneWKeepsItAndRefusesOthers()
    {
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.ConditionalTeacher.WithSampler(OdeSolver.Ddim, 8, guidance: 1.5);
        var trajectories = ml.Data.Cache(teacher.Transform(ml.Data.GaussianNoise(32, 1, 8, 8, seed: 3, classes: 10)));
        var dsno = ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, steps: 4)).Fit(trajectories);
        Assert.Equal(1.5, dsno.Model.GuidanceScale);
        Assert.Equal(1.5, dsno.GuidanceScale);
        Assert.False(dsno.IsGuidanceConditioned);
        Assert.Same(dsno, dsno.WithGuidance(1.5));
        Assert.Throws<ArgumentException>(() => dsno.WithGuidance(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => dsno.WithGuidance(-0.5));

        var noise = ml.Data.GaussianNoise(8, 1, 8, 8, seed: 9, classes: 10);
        var output = dsno.Transform(noise);
        Assert.Equal(new[] { 1.5f }, Annotation(output.Schema["Trajectory"], "Guidance"));
        string path = Path.Combine(TinyModels.TempDir(), "dsno-w.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(dsno, noise.Schema, path);
        var loaded = (DsnoTransformer)new MLContext().Model.Load(path, out _);
        Assert.Equal(1.5, loaded.GuidanceScale);
        Assert.Equal(MlNetModels.Column(output, "Image"), MlNetModels.Column(loaded.Transform(noise), "Image"));
        // A per-row guidance column cannot be honoured by a model distilled at one w.
        Assert.Throws<ArgumentOutOfRangeException>(() => dsno.Transform(ml.Data.GaussianNoise(4, 1, 8, 8, seed: 9, classes: 10, minGuidance: 0, maxGuidance: 2)));
        // An unconditional DSNO refuses any guidance scale.
        var unconditional = ml.Transforms.Dsno(MlNetModels.DsnoOptions(MlNetModels.Teacher, steps: 2))
            .Fit(MlNetModels.Trajectories(ml, MlNetModels.Teacher, 16));
        var e = Assert.Throws<ArgumentException>(() => unconditional.WithGuidance(1));
        Assert.Contains("unconditional", e.Message);
        Assert.Null(unconditional.GuidanceScale);
    }

    [Fact]
    public void WConditionedDsnoTakesWAtTransformTimeWarnsOutsideItsRangeAndSavesIt()
    {
        var ml = new MLContext(seed: 1);
        var warnings = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Kind == ChannelMessageKind.Warning) lock (warnings) warnings.Add(e.Message);
        };
        var teacher = MlNetModels.ConditionalTeacher.WithSampler(OdeSolver.Ddim, 8);
        var trajectories = ml.Data.Cache(teacher.Transform(ml.Data.GaussianNoise(48, 1, 8, 8, seed: 3, classes: 10, minGuidance: 0, maxGuidance: 3)));
        var dsno = ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, steps: 8)).Fit(trajectories);
        Assert.True(dsno.IsGuidanceConditioned);
        var (min, max) = dsno.GuidanceRange!.Value;
        Assert.InRange(min, 0, 0.5);
        Assert.InRange(max, 2.5, 3);
        Assert.Null(dsno.GuidanceScale);

        var noise = ml.Data.GaussianNoise(8, 1, 8, 8, seed: 9, classes: 10);
        Assert.Throws<InvalidOperationException>(() => MlNetModels.Column(dsno.Transform(noise), "Image"));
        var atOne = dsno.WithGuidance(1);
        var atTwo = dsno.WithGuidance(2);
        var imagesOne = MlNetModels.Column(atOne.Transform(noise), "Image");
        var imagesTwo = MlNetModels.Column(atTwo.Transform(noise), "Image");
        Assert.True(MaxDifference(imagesOne, imagesTwo) > 1e-6, "w must reach the network");
        Assert.Equal(new[] { 1f }, Annotation(atOne.Transform(noise).Schema["Trajectory"], "Guidance"));
        Assert.Empty(warnings);

        // A Guidance column overrides the transformer's w per row.
        var columnAtTwo = ml.Data.GaussianNoise(8, 1, 8, 8, seed: 9, classes: 10, minGuidance: 2, maxGuidance: 2);
        Assert.True(MaxDifference(MlNetModels.Column(atOne.Transform(columnAtTwo), "Image"), imagesTwo) < 1e-6);
        Assert.Equal(imagesTwo.Length, atTwo.Generate(8, seed: 9, label: 3).Length);

        // Outside the trained range: a warning in the log, and an answer.
        var far = dsno.WithGuidance(6);
        var farImages = MlNetModels.Column(far.Transform(noise), "Image");
        Assert.All(farImages, image => Assert.All(image, v => Assert.True(float.IsFinite(v))));
        Assert.Contains(warnings, w => w.Contains("outside the range", StringComparison.Ordinal));

        Assert.Throws<ArgumentOutOfRangeException>(() => dsno.WithGuidance(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => dsno.WithGuidance(-1));

        string path = Path.Combine(TinyModels.TempDir(), "dsno-wcond.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(atOne, noise.Schema, path);
        var loaded = (DsnoTransformer)new MLContext().Model.Load(path, out _);
        Assert.True(loaded.IsGuidanceConditioned);
        Assert.Equal(1.0, loaded.GuidanceScale);
        Assert.Equal(dsno.GuidanceRange, loaded.GuidanceRange);
        Assert.Equal(imagesOne, MlNetModels.Column(loaded.Transform(noise), "Image"));
        Assert.Equal(imagesTwo, MlNetModels.Column(loaded.WithGuidance(2).Transform(noise), "Image"));
        // Exported to ONNX it takes w as an input and records its trained range (OnnxExportTests compares the numbers).
        using var onnx = new MemoryStream();
        loaded.ExportOnnx(onnx);
        using var session = Dsno.Onnx.DsnoOnnxSession.Open(onnx.ToArray(), "w-conditioned export");
        Assert.Equal(new[] { dsno.GuidanceRange!.Value.Min, dsno.GuidanceRange.Value.Max }, session.Metadata.GuidanceRange);
    }
}
