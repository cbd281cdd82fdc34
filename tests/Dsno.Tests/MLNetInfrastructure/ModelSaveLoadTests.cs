using Dsno.MLNet.Internal;
using Dsno.Tests.MLNetInfrastructure.TestModel;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Dsno.Tests.MLNetInfrastructure;

/// <summary>
/// A third-party transformer built on Dsno.MLNet's infrastructure saves into and loads from an ML.NET model zip, inside a
/// <c>Concatenate(...).Append(custom)</c> chain, with a new <see cref="MLContext"/> and no registration call, in this process and
/// in a fresh one.
/// </summary>
public class ModelSaveLoadTests
{
    public ModelSaveLoadTests() => torch.set_num_threads(1);

    private static (ITransformer Model, IDataView Data) FitPipeline(MLContext ml, int rows = 300)
    {
        var data = TestData.View(ml, rows, seed: 5);
        var pipeline = ml.Transforms.Concatenate("Features", "A", "B")
            .Append(new TinyLinearEstimator(new TinyLinearOptions { OutputDimensions = new[] { 2, 3 }, Times = new[] { 1f, 0.25f }, BatchSize = 32 }));
        return (pipeline.Fit(data), data);
    }

    [Fact]
    public void SavedChainLoadsInANewContextAndGivesIdenticalOutputs()
    {
        var ml = new MLContext(seed: 1);
        var (model, data) = FitPipeline(ml);
        var expected = TestData.FloatVectors(model.Transform(data), "Projection");
        var expectedNorm = TestData.FloatVectors(model.Transform(data), "InputNorm");

        // The outputs are what the layer computes: y = W x + b on the concatenated features.
        var linear = ((TransformerChain<TinyLinearTransformer>)model).LastTransformer;
        var (w, b) = linear.Parameters;
        var rows = TestData.Rows(300, seed: 5);
        for (int r = 0; r < rows.Count; r++)
        {
            var x = rows[r].A.Concat(rows[r].B).ToArray();
            for (int k = 0; k < 6; k++)
            {
                double y = b[k];
                for (int i = 0; i < 5; i++) y += w[k * 5 + i] * x[i];
                Assert.True(Math.Abs(y - expected[r][k]) < 1e-5, $"row {r}, output {k}: {expected[r][k]} != {y}");
            }
            double norm = Math.Sqrt(x.Sum(v => (double)v * v));
            Assert.True(Math.Abs(norm - expectedNorm[r][0]) < 1e-5, $"row {r} norm: {expectedNorm[r][0]} != {norm}");
        }

        using var temp = new TempFolder();
        var path = temp.File("model.zip");
        ml.Model.Save(model, data.Schema, path);

        var ml2 = new MLContext(seed: 2);
        var loaded = ml2.Model.Load(path, out var inputSchema);
        Assert.NotNull(inputSchema);
        var loadedOutput = loaded.Transform(data);
        TestData.AssertBitEqual(expected, TestData.FloatVectors(loadedOutput, "Projection"));
        TestData.AssertBitEqual(expectedNorm, TestData.FloatVectors(loadedOutput, "InputNorm"));

        // Dimensions and the Times annotation come back from the saved options.
        var column = loadedOutput.Schema["Projection"];
        Assert.Equal(new[] { 2, 3 }, ((VectorDataViewType)column.Type).Dimensions.ToArray());
        Assert.Equal(new[] { 1f, 0.25f }, SchemaChecks.RequireFloatVectorAnnotation(column, "Times"));

        // A loaded model saves again, and that loads again.
        var path2 = temp.File("model2.zip");
        ml2.Model.Save(loaded, inputSchema, path2);
        var reloaded = new MLContext(seed: 3).Model.Load(path2, out _);
        TestData.AssertBitEqual(expected, TestData.FloatVectors(reloaded.Transform(data), "Projection"));
    }

    [Fact]
    public void FreshProcessLoadsTheModelWithNoRegistrationCall()
    {
        var ml = new MLContext(seed: 1);
        var (model, data) = FitPipeline(ml, rows: 150);
        var expected = TestData.FloatVectors(model.Transform(data), "Projection");
        var expectedNorm = TestData.FloatVectors(model.Transform(data), "InputNorm");

        using var temp = new TempFolder();
        var modelPath = temp.File("model.zip");
        ml.Model.Save(model, data.Schema, modelPath);
        var inputPath = temp.File("input.idv");
        using (var stream = File.Create(inputPath)) ml.Data.SaveAsBinary(data, stream);
        var outputPath = temp.File("output.idv");
        var resavedPath = temp.File("resaved.zip");

        var run = ModelHostRunner.Run(modelPath, inputPath, outputPath, "--threads", "1", "--resave", resavedPath);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("TransformerChain", run.StandardOutput);
        // The host's own code never touches Dsno.MLNet: the initializer injected by Dsno.MLNet.targets loaded it.
        Assert.Contains("Dsno.MLNet loaded before Main: True", run.StandardOutput);

        var hostOutput = ml.Data.LoadFromBinary(new MultiFileSource(outputPath));
        TestData.AssertBitEqual(expected, TestData.FloatVectors(hostOutput, "Projection"));
        TestData.AssertBitEqual(expectedNorm, TestData.FloatVectors(hostOutput, "InputNorm"));
        Assert.Equal(new[] { 1f, 0.25f }, SchemaChecks.RequireFloatVectorAnnotation(hostOutput.Schema["Projection"], "Times"));

        // What the fresh process saved again loads here too.
        var resaved = new MLContext(seed: 4).Model.Load(resavedPath, out _);
        TestData.AssertBitEqual(expected, TestData.FloatVectors(resaved.Transform(data), "Projection"));
    }

    [Fact]
    public void FreshProcessReportsAMissingModelCleanly()
    {
        using var temp = new TempFolder();
        var run = ModelHostRunner.Run(temp.File("absent.zip"), temp.File("in.idv"), temp.File("out.idv"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("FileNotFoundException", run.StandardError);
    }
}
