using Dsno.MLNet;
using Dsno.Tests.MLNetInfrastructure;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Dsno.Tests.MLNet;

public class DsnoSaveLoadTests
{
    private static void AssertSameOutputInAFreshProcess(MLContext ml, ITransformer model, IDataView input, string column)
    {
        string dir = TinyModels.TempDir();
        string modelPath = Path.Combine(dir, "model.zip"), inputPath = Path.Combine(dir, "input.idv"), outputPath = Path.Combine(dir, "output.idv");
        string resaved = Path.Combine(dir, "resaved.zip"), output2 = Path.Combine(dir, "output2.idv");
        ml.Model.Save(model, input.Schema, modelPath);
        using (var stream = File.Create(inputPath)) ml.Data.SaveAsBinary(input, stream);
        var expected = MlNetModels.Column(model.Transform(input), column);

        var run = ModelHostRunner.Run(modelPath, inputPath, outputPath, "--threads", "1", "--resave", resaved);
        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Equal(expected, MlNetModels.Column(new MLContext().Data.LoadFromBinary(outputPath), column));

        // The model the other process loaded and saved again loads again (here, in yet another context) and gives the same output.
        var again = new MLContext().Model.Load(resaved, out _);
        Assert.Equal(expected, MlNetModels.Column(again.Transform(new MLContext().Data.LoadFromBinary(inputPath)), column));
        var run2 = ModelHostRunner.Run(resaved, inputPath, output2, "--threads", "1");
        Assert.True(run2.ExitCode == 0, run2.StandardError);
        Assert.Equal(expected, MlNetModels.Column(new MLContext().Data.LoadFromBinary(output2), column));
    }

    [Fact]
    public void DsnoTransformerLoadsInAFreshProcessWithIdenticalOutput()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.Teacher;
        var dsno = ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, steps: 5)).Fit(MlNetModels.Trajectories(ml, teacher, 32));
        AssertSameOutputInAFreshProcess(ml, dsno, ml.Data.GaussianNoise(70, 1, 8, 8, seed: 21), "Image");
    }

    [Fact]
    public void TeacherTransformerLoadsInAFreshProcessWithIdenticalOutput()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        AssertSameOutputInAFreshProcess(ml, MlNetModels.Teacher, ml.Data.GaussianNoise(10, 1, 8, 8, seed: 22), "Trajectory");
    }

    [Fact]
    public void AChainHoldingTeacherAndDsnoLoadsInAFreshProcess()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.ConditionalTeacher;
        var options = MlNetModels.DsnoOptions(teacher, steps: 5);
        options.NoiseColumnName = "Noise";
        options.OutputImageColumnName = "DsnoImage";
        options.OutputTrajectoryColumnName = "DsnoTrajectory";
        var dsno = ml.Transforms.Dsno(options).Fit(MlNetModels.Trajectories(ml, teacher, 32));
        var chain = new TransformerChain<ITransformer>(teacher, dsno);
        var input = ml.Data.GaussianNoise(12, 1, 8, 8, seed: 23, classes: 10);
        AssertSameOutputInAFreshProcess(ml, chain, input, "DsnoImage");
        Assert.Equal(12, MlNetModels.Column(chain.Transform(input), "Image").Length);
    }

    [Fact]
    public void TamperedModelFilesAreRefusedWithDocumentedExceptions()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacher = MlNetModels.Teacher;
        var dsno = ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, steps: 1)).Fit(MlNetModels.Trajectories(ml, teacher, 32));
        var input = ml.Data.GaussianNoise(4, 1, 8, 8, seed: 2);
        string path = Path.Combine(TinyModels.TempDir(), "m.zip");
        ml.Model.Save(dsno, input.Schema, path);
        var bytes = File.ReadAllBytes(path);

        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        var e = Record.Exception(() => new MLContext().Model.Load(path, out _));
        Assert.True(ModelFileErrors.IsDocumented(e), e?.ToString());
    }
}

/// <summary>The exceptions a damaged model file may raise (see the ML.NET infrastructure tests for the full list).</summary>
internal static class ModelFileErrors
{
    public static bool IsDocumented(Exception? e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is InvalidDataException or FormatException) return true;
        return false;
    }
}
