using System.Diagnostics;
using System.Text.Json;
using Dsno.Data;
using Dsno.Onnx;
using TorchSharp;
using Xunit.Abstractions;

namespace Dsno.Tests.Onnx;

/// <summary>
/// Runs examples/WebDemo/check.mjs: the same exported model on onnxruntime-web's wasm backend in Node, compared with .NET. Needs Node.js
/// and the demo's packages (<c>npm ci --prefix examples/WebDemo</c>; .ci/run installs both).
/// </summary>
public class WebDemoCheckTests(ITestOutputHelper output)
{
    private static readonly string Demo = Path.Combine(RepositoryRoot.Find(), "examples", "WebDemo");

    [Fact]
    public void WasmMatchesTorchSharp()
    {
        torch.set_num_threads(1);
        using var model = OnnxTestModels.Perturbed(OnnxTestModels.Small8(classes: 5), 4, seed: 3);
        using var folder = new TempFolder();
        string onnx = folder.File("dsno.onnx");
        model.ExportOnnx(onnx);
        const int batch = 4;
        var noise = GaussianNoise.SampleArray(0, batch, 1, 8, 8, seed: 8);
        long[] labels = { 0, 2, 4, 1 };
        float[] trajectory;
        using (var scope = torch.NewDisposeScope())
            trajectory = model.Generate(torch.tensor(noise).reshape(batch, 1, 8, 8), torch.tensor(labels)).contiguous().data<float>().ToArray();

        var result = RunCheck(onnx, folder.File("reference.json"), batch, noise, labels, trajectory, "TorchSharp");
        Assert.Equal(model.FrameTimes, result.GetProperty("frameTimes").EnumerateArray().Select(t => t.GetDouble()));
        Assert.True(result.GetProperty("imageIsLastFrame").GetBoolean());
    }

    [Fact]
    public void ShippedDemoModelRunsTheSameInWasmAndDotNet()
    {
        string onnx = Path.Combine(Demo, "model", "dsno-digits.onnx");
        Assert.True(File.Exists(onnx), $"the demo's model {onnx} is missing");
        using var session = DsnoOnnxSession.Open(onnx);
        const int batch = 8;
        var noise = GaussianNoise.SampleArray(0, batch, session.Metadata.Channels, session.Metadata.Height, session.Metadata.Width, seed: 1);
        var (_, trajectory) = session.Run(noise, batch);
        using var folder = new TempFolder();
        RunCheck(onnx, folder.File("reference.json"), batch, noise, null, trajectory, "ONNX Runtime .NET (CPU)");
    }

    private JsonElement RunCheck(string onnx, string referencePath, int batch, float[] noise, long[]? labels, float[] trajectory, string source)
    {
        Assert.True(Directory.Exists(Path.Combine(Demo, "node_modules", "onnxruntime-web")),
            $"the web demo's packages are not installed: run 'npm ci --prefix {Demo}' (.ci/run does)");
        File.WriteAllText(referencePath, JsonSerializer.Serialize(new { batch, noise, labels, trajectory, source }));
        var start = new ProcessStartInfo("node") { WorkingDirectory = Demo, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "check.mjs", "--model", onnx, "--reference", referencePath, "--tolerance", "1e-4" }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start (is Node.js installed?)");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "check.mjs ran past 2 minutes");
        output.WriteLine(stdout.Result);
        Assert.True(process.ExitCode == 0, $"check.mjs exited {process.ExitCode}: {stdout.Result} {stderr.Result}");
        var result = JsonDocument.Parse(stdout.Result.Trim().Split('\n')[^1]).RootElement;
        Assert.InRange(result.GetProperty("maxAbsDifference").GetDouble(), 0, 1e-4);
        return result.Clone();
    }
}
