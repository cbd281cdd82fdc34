using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dsno.Data;
using Dsno.Models;
using Dsno.OnnxBench;
using Dsno.Onnx;
using TorchSharp;

// dotnet run -c Release --project bench/Dsno.OnnxBench [-- --rounds 5 --report docs/benchmarks.md --out bench-out/onnx]
// GPU: --gpu-check [--device cuda:N] in a build with -p:OnnxRuntimeBackend=cuda (bench/gpu/onnx_cuda_check.sh).
// Internal: --child-load onnx|torch PATH (one fresh-process load, run by the parent).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string Option(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

if (Array.IndexOf(args, "--child-load") is int child and >= 0)
    return LoadProbe.Run(args[child + 1], args[child + 2]);
if (Array.IndexOf(args, "--gpu-check") >= 0)
    return GpuCheck.Run(Option("--device", "cuda"));

int rounds = int.Parse(Option("--rounds", "5"), CultureInfo.InvariantCulture);
string report = Option("--report", "docs/benchmarks.md");
string output = Option("--out", Path.Combine("bench-out", "onnx"));
Directory.CreateDirectory(output);
torch.set_num_threads(1);
string command = "dotnet run -c Release --project bench/Dsno.OnnxBench" + (args.Length > 0 ? " -- " + string.Join(' ', args) : "");
double loadBefore = LoadAverage();
var started = DateTime.UtcNow;

Console.WriteLine("accuracy: ONNX Runtime vs TorchSharp");
var accuracy = AccuracyStage.Run();
Console.WriteLine("speed: images per second, interleaved rounds");
var speed = SpeedStage.Run(rounds);
Console.WriteLine("files and fresh-process load times");
var files = FileStage.Run(output, rounds: 3);
double loadAfter = LoadAverage();

var body = ReportWriter.Write(command, Dsno.Bench.MachineInfo.Describe(), started, loadBefore, loadAfter, accuracy, speed, files);
Dsno.Bench.ReportSection.Replace(report, "onnx", body, "# Benchmarks");
File.WriteAllText(Path.Combine(output, "results.json"), JsonSerializer.Serialize(new { accuracy, speed, files }, new JsonSerializerOptions { WriteIndented = true, IncludeFields = true }));
Console.WriteLine(body);
return 0;

static double LoadAverage() =>
    File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture) : double.NaN;
