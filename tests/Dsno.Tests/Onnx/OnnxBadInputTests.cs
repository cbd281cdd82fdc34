using Dsno.MLNet;
using Dsno.Onnx;
using Dsno.Tests.Cli;
using Dsno.Tests.MLNet;
using Microsoft.ML;
using Xunit.Abstractions;

namespace Dsno.Tests.Onnx;

/// <summary>The export's failure modes: each gives a clear error naming the file, input or model, and leaves nothing half-written.</summary>
public class OnnxBadInputTests(ITestOutputHelper output)
{
    [Fact]
    public void TruncatedFileIsRejectedNamingIt()
    {
        var dsno = ApplyOnnxModelTests.Fitted(conditional: false);
        using var folder = new TempFolder();
        string path = folder.File("truncated.onnx");
        using (var buffer = new MemoryStream())
        {
            dsno.ExportOnnx(buffer);
            File.WriteAllBytes(path, buffer.ToArray()[..(int)(buffer.Length / 2)]);
        }

        var error = Assert.Throws<InvalidDataException>(() => DsnoOnnxSession.Open(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("not a readable ONNX model", error.Message);

        // ML.NET's own ApplyOnnxModel also refuses it when the pipeline is built, naming the file.
        var ml = new MLContext();
        var noise = ml.Data.GaussianNoise(2, 1, 8, 8, seed: 1, columnName: "noise");
        var mlError = Assert.ThrowsAny<Exception>(() => ml.Transforms.ApplyOnnxModel(new[] { "image" }, new[] { "noise" }, path).Fit(noise));
        Assert.Contains("truncated.onnx", mlError.ToString());
        var helperError = Assert.Throws<InvalidDataException>(() => ml.Transforms.ApplyDsnoOnnxModel(ml, path));
        Assert.Contains(path, helperError.Message);
    }

    [Fact]
    public void WrongNoiseShapeIsRejectedNamingTheInput()
    {
        var dsno = ApplyOnnxModelTests.Fitted(conditional: false);
        using var folder = new TempFolder();
        string path = folder.File("dsno.onnx");
        dsno.ExportOnnx(path);

        // Noise for a 16x16 model (another architecture) fed to this 8x8 export. ApplyDsnoOnnxModel checks the column against the
        // file's metadata when the pipeline is fitted and names the column, the ONNX input and the file.
        var ml = new MLContext();
        var noise = ml.Data.GaussianNoise(2, 1, 16, 16, seed: 1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.ApplyDsnoOnnxModel(ml, path).Fit(noise));
        output.WriteLine(error.Message);
        Assert.Contains("column 'Noise' has 256 values per row", error.Message);
        Assert.Contains("input 'noise' [N, 1, 8, 8]", error.Message);
        Assert.Contains(path, error.Message);

        // The stock ApplyOnnxModel fails too, but only when rows are read, and ML.NET's own message names no input
        // ("Length of memory (256) must match product of dimensions (64)"): the reason for the check above.
        var stock = ml.Transforms.CopyColumns("noise", "Noise").Append(ml.Transforms.ApplyOnnxModel(new[] { "image" }, new[] { "noise" }, path)).Fit(noise);
        var stockError = Assert.ThrowsAny<Exception>(() => MlNetModels.Column(stock.Transform(noise), "image"));
        Assert.Contains("(256)", stockError.ToString());

        using var session = DsnoOnnxSession.Open(path);
        var runError = Assert.Throws<ArgumentException>(() => session.Run(new float[256], batch: 1));
        Assert.Contains("noise", runError.Message);
        Assert.Contains("[N, 1, 8, 8]", runError.Message);
    }

    [Fact]
    public void ExportOfAnotherArchitectureIsRejected()
    {
        using var small = OnnxTestModels.Perturbed(OnnxTestModels.Small8(classes: 0), 4, seed: 1);
        using var other = OnnxTestModels.Perturbed(OnnxTestModels.Small16(classes: 0), 4, seed: 1);
        using var stream = new MemoryStream();
        other.ExportOnnx(stream);
        using var session = DsnoOnnxSession.Open(stream.ToArray(), "other.onnx");
        var error = Assert.Throws<ArgumentException>(() => DsnoOnnxVerifier.MaxAbsDifference(small, session, 2, seed: 0));
        Assert.Contains("3x16x16", error.Message);
        Assert.Contains("not an export of this operator", error.Message);
    }

    [Fact]
    public void OnnxFileThatIsNotADsnoExportIsRejected()
    {
        // A valid ONNX model (y = x) without DSNO's metadata.
        var g = new OnnxGraphBuilder();
        var x = g.Input("x", 1, new long?[] { null, 4 });
        g.Output(x, "y", 1, new long?[] { null, 4 });
        using var stream = new MemoryStream();
        using (var output = new Google.Protobuf.CodedOutputStream(stream, leaveOpen: true)) g.Build("0", Array.Empty<KeyValuePair<string, string>>()).WriteTo(output);
        var error = Assert.Throws<InvalidDataException>(() => DsnoOnnxSession.Open(stream.ToArray(), "identity.onnx"));
        Assert.Contains("identity.onnx: not a DSNO export", error.Message);
    }

    [Fact]
    public void DisposedModelCannotBeExportedAndAnEarlierFileSurvives()
    {
        var ml = new MLContext(seed: 0);
        using var folder = new TempFolder();
        string zip = folder.File("dsno.zip");
        var noise = ml.Data.GaussianNoise(1, 1, 8, 8, seed: 1);
        ml.Model.Save(ApplyOnnxModelTests.Fitted(conditional: false), noise.Schema, zip);
        var loaded = (DsnoTransformer)new MLContext().Model.Load(zip, out _);
        string path = folder.File("dsno.onnx");
        loaded.ExportOnnx(path);
        byte[] before = File.ReadAllBytes(path);

        loaded.Model.Dispose();
        var error = Assert.Throws<ObjectDisposedException>(() => loaded.ExportOnnx(path));
        Assert.Contains("disposed", error.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(folder.Path, "*.onnx*"));
    }

    [Fact]
    public void CliExportsCheckedFileAndRejectsATeacher()
    {
        var ml = new MLContext(seed: 0);
        using var folder = new TempFolder();
        var noise = ml.Data.GaussianNoise(1, 1, 8, 8, seed: 1);
        var dsno = ApplyOnnxModelTests.Fitted(conditional: false);
        string zip = folder.File("dsno.zip"), teacherZip = folder.File("teacher.zip"), onnx = folder.File("out/dsno.onnx");
        ml.Model.Save(dsno, noise.Schema, zip);
        ml.Model.Save(MlNetModels.Teacher, noise.Schema, teacherZip);

        var json = CliHarness.Ok("export", "--model", zip, "--onnx", onnx, "--threads", "1", "--json").Json();
        Assert.Equal("export", json.GetProperty("command").GetString());
        Assert.InRange(json.GetProperty("maxAbsDifference").GetDouble(), 0, 1e-4);
        Assert.Equal(new FileInfo(onnx).Length, json.GetProperty("bytes").GetInt64());
        using (var session = DsnoOnnxSession.Open(onnx))
        {
            Assert.Equal(dsno.Model.FrameTimes, session.Metadata.FrameTimes);
            Assert.InRange(DsnoOnnxVerifier.MaxAbsDifference(dsno.Model, session, 3, seed: 9), 0, 1e-4);
        }

        var teacher = CliHarness.Run("export", "--model", teacherZip, "--onnx", folder.File("t.onnx"));
        Assert.Equal(2, teacher.ExitCode);
        Assert.Contains("teacher.zip", teacher.Stderr);
        Assert.Contains("diffusion teacher, not a fitted DSNO model", teacher.Stderr);
        Assert.False(File.Exists(folder.File("t.onnx")));

        var missing = CliHarness.Run("export", "--model", folder.File("none.zip"), "--onnx", folder.File("n.onnx"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("none.zip", missing.Stderr);
    }

}
