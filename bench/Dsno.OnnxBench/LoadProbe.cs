using System.Diagnostics;
using System.Globalization;
using Dsno.Data;
using Dsno.Models;
using Dsno.Onnx;
using TorchSharp;

namespace Dsno.OnnxBench;

/// <summary>
/// The child side of the fresh-process load measurement: loads one model file and generates one image, then prints the seconds spent
/// in the load and in that first call. The parent times the whole process, .NET start-up included.
/// </summary>
internal static class LoadProbe
{
    public static int Run(string engine, string path)
    {
        var clock = Stopwatch.StartNew();
        double load, first;
        if (engine == "onnx")
        {
            using var session = DsnoOnnxSession.Open(path, new DsnoOnnxSessionOptions { IntraOpThreads = 1 });
            load = clock.Elapsed.TotalSeconds;
            var md = session.Metadata;
            session.Run(GaussianNoise.SampleArray(0, 1, md.Channels, md.Height, md.Width, seed: 1), 1);
            first = clock.Elapsed.TotalSeconds - load;
        }
        else if (engine == "torch")
        {
            torch.set_num_threads(1);
            using var file = File.OpenRead(path);
            using var model = DsnoModel.Load(file);
            load = clock.Elapsed.TotalSeconds;
            var a = model.Architecture;
            using var noise = GaussianNoise.Sample(0, 1, a.Channels, a.Height, a.Width, seed: 1);
            using var frames = model.Generate(noise);
            _ = frames.data<float>().ToArray();
            first = clock.Elapsed.TotalSeconds - load;
        }
        else throw new ArgumentOutOfRangeException(nameof(engine), engine, "onnx or torch");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{load:R} {first:R}"));
        return 0;
    }
}
