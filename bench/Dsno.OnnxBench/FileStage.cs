using System.Diagnostics;
using System.Globalization;
using Dsno.Onnx;

namespace Dsno.OnnxBench;

/// <summary>File sizes of the Fashion-MNIST-16 M=4 operator in both formats and the median fresh-process load times.</summary>
internal sealed record FileResult(long Parameters, long TemporalParameters, long OnnxBytes, long TimeMixingBytes, long TorchBytes,
    double[] OnnxProcessSeconds, double[] OnnxLoadSeconds, double[] OnnxFirstCallSeconds,
    double[] TorchProcessSeconds, double[] TorchLoadSeconds, double[] TorchFirstCallSeconds);

internal static class FileStage
{
    public static FileResult Run(string folder, int rounds)
    {
        using var model = BenchModels.Randomised(BenchModels.Fashion16(classes: 0), 4, seed: 7);
        string onnx = Path.Combine(folder, "fashion16-m4.onnx"), torchFile = Path.Combine(folder, "fashion16-m4.dsno");
        model.ExportOnnx(onnx);
        using (var file = File.Create(torchFile)) model.Save(file);
        int m = model.FrameTimes.Length;
        long timeMixing = model.Network.TemporalLayers.Sum(l => 4L * (m * l.Channels) * (m * l.Channels));

        var runs = new Dictionary<string, List<(double Process, double Load, double First)>> { ["onnx"] = new(), ["torch"] = new() };
        for (int round = 0; round < rounds; round++)
            foreach (var (engine, path) in new[] { ("onnx", onnx), ("torch", torchFile) })
            {
                var run = Spawn(engine, path);
                runs[engine].Add(run);
                Console.WriteLine($"  {engine}: process {run.Process:0.000} s, load {run.Load:0.000} s, first image {run.First:0.000} s");
            }
        double[] Pick(string engine, Func<(double Process, double Load, double First), double> part) => runs[engine].Select(part).ToArray();
        return new FileResult(model.Network.ParameterCount, model.Network.TemporalParameterCount, new FileInfo(onnx).Length, timeMixing,
            new FileInfo(torchFile).Length,
            Pick("onnx", r => r.Process), Pick("onnx", r => r.Load), Pick("onnx", r => r.First),
            Pick("torch", r => r.Process), Pick("torch", r => r.Load), Pick("torch", r => r.First));
    }

    private static (double Process, double Load, double First) Spawn(string engine, string path)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "--child-load", engine, path }) start.ArgumentList.Add(arg);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        string text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        double total = clock.Elapsed.TotalSeconds;
        if (process.ExitCode != 0) throw new InvalidOperationException($"the {engine} load probe exited {process.ExitCode}: {text}");
        var parts = text.Trim().Split('\n')[^1].Split(' ');
        return (total, double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
