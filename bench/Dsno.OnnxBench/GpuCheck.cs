using System.Diagnostics;
using Dsno.Data;
using Dsno.Onnx;

namespace Dsno.OnnxBench;

/// <summary>
/// The GPU path (<c>--gpu-check</c>, in a build with <c>-p:OnnxRuntimeBackend=cuda</c>): the Fashion-MNIST-16 M=4 export on ONNX Runtime's
/// CUDA provider against its CPU provider in the same process, then images per second on CUDA at batch 1 and 64. Prints one line per
/// result and exits 1 when the two providers differ by more than 1e-4.
/// </summary>
internal static class GpuCheck
{
    public static int Run(string device)
    {
        using var model = BenchModels.Randomised(BenchModels.Fashion16(classes: 0), 4, seed: 7);
        using var stream = new MemoryStream();
        model.ExportOnnx(stream);
        byte[] bytes = stream.ToArray();
        using var cpu = DsnoOnnxSession.Open(bytes, "export (cpu)");
        using var gpu = DsnoOnnxSession.Open(bytes, $"export ({device})", new DsnoOnnxSessionOptions { Device = device });
        var md = cpu.Metadata;
        var noise = GaussianNoise.SampleArray(0, 64, md.Channels, md.Height, md.Width, seed: 3);
        var (_, expected) = cpu.Run(noise, 64);
        var (_, actual) = gpu.Run(noise, 64);
        double max = expected.Zip(actual, (a, b) => Math.Abs((double)a - b)).Max();
        double torchMax = DsnoOnnxVerifier.MaxAbsDifference(model, gpu, 16, seed: 5);
        Console.WriteLine($"{gpu.Device}: max |CUDA - CPU| over 64 trajectories = {max:E2}; max |CUDA - TorchSharp CPU| over 16 = {torchMax:E2}");
        foreach (int batch in new[] { 1, 64 })
        {
            var input = noise[..(batch * cpu.ImageSize)];
            for (int i = 0; i < 3; i++) gpu.Run(input, batch);
            int calls = 0;
            var clock = Stopwatch.StartNew();
            while (calls < 10 || clock.Elapsed.TotalSeconds < 2) { gpu.Run(input, batch); calls++; }
            Console.WriteLine($"{gpu.Device}: batch {batch}: {calls * batch / clock.Elapsed.TotalSeconds:0.0} images/s (DSNO M=4, Fashion-MNIST-16, outputs copied to the host)");
        }
        return max <= 1e-4 && torchMax <= 1e-4 ? 0 : 1;
    }
}
