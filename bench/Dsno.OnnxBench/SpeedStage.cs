using System.Diagnostics;
using Dsno.Data;
using Dsno.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.OnnxBench;

/// <summary>Images per second of one engine at one batch size, over the interleaved rounds.</summary>
internal sealed record SpeedResult(string Engine, int Batch, double[] ImagesPerSecond)
{
    public double Best => ImagesPerSecond.Max();
    public double Median => ImagesPerSecond.Order().ElementAt(ImagesPerSecond.Length / 2);
}

/// <summary>
/// DSNO M=4 on the Fashion-MNIST-16 architecture, TorchSharp CPU against ONNX Runtime CPU, both on one thread, in one process: every
/// round measures each (engine, batch) once, so slow phases of the shared machine hit all of them alike.
/// </summary>
internal static class SpeedStage
{
    public static List<SpeedResult> Run(int rounds)
    {
        using var model = BenchModels.Randomised(BenchModels.Fashion16(classes: 0), 4, seed: 7);
        using var stream = new MemoryStream();
        model.ExportOnnx(stream);
        using var session = DsnoOnnxSession.Open(stream.ToArray(), "Fashion-MNIST-16 M=4", new DsnoOnnxSessionOptions { IntraOpThreads = 1 });
        var a = model.Architecture;
        var cases = new List<(string Engine, int Batch, Func<int> Call)>();
        foreach (int batch in new[] { 1, 64 })
        {
            var noise = GaussianNoise.SampleArray(0, batch, a.Channels, a.Height, a.Width, seed: 3);
            var noiseTensor = torch.tensor(noise).reshape(batch, a.Channels, a.Height, a.Width);
            cases.Add(("TorchSharp CPU", batch, () =>
            {
                using var scope = torch.NewDisposeScope();
                return model.Generate(noiseTensor).contiguous().data<float>().ToArray().Length;
            }));
            cases.Add(("ONNX Runtime CPU", batch, () => session.Run(noise, batch).Trajectories.Length));
        }
        foreach (var c in cases) { c.Call(); c.Call(); } // warm-up: allocations, kernels, caches

        var samples = cases.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < cases.Count; i++)
            {
                // Enough calls to last about 0.5 s (at least 3), timed together.
                int calls = 0;
                var clock = Stopwatch.StartNew();
                while (calls < 3 || clock.Elapsed.TotalSeconds < 0.5)
                {
                    cases[i].Call();
                    calls++;
                }
                samples[i].Add(calls * cases[i].Batch / clock.Elapsed.TotalSeconds);
            }
            Console.WriteLine($"  round {round + 1}: " + string.Join(", ", cases.Select((c, i) => $"{c.Engine} b{c.Batch} {samples[i][^1]:0.0}/s")));
        }
        return cases.Select((c, i) => new SpeedResult(c.Engine, c.Batch, samples[i].ToArray())).ToList();
    }
}
