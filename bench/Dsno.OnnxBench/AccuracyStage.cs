using Dsno.Onnx;

namespace Dsno.OnnxBench;

/// <summary>One row of the accuracy table: the largest |ONNX Runtime - TorchSharp| over every trajectory value of 8 noises.</summary>
internal sealed record AccuracyResult(string Architecture, int Size, int Frames, int Classes, long Parameters, double MaxAbsDifference);

/// <summary>Exports randomised operators of both architectures at M = 2, 4, 8, unconditional and with 10 classes, and compares.</summary>
internal static class AccuracyStage
{
    public static List<AccuracyResult> Run()
    {
        var results = new List<AccuracyResult>();
        foreach (int size in new[] { 8, 16 })
        foreach (int m in new[] { 2, 4, 8 })
        foreach (int classes in new[] { 0, 10 })
        {
            var architecture = size == 8 ? BenchModels.Digits8(classes) : BenchModels.Fashion16(classes);
            using var model = BenchModels.Randomised(architecture, m, seed: 100 + 10 * m + size + classes);
            using var stream = new MemoryStream();
            model.ExportOnnx(stream);
            using var session = DsnoOnnxSession.Open(stream.ToArray(), $"{size}x{size} M={m}", new DsnoOnnxSessionOptions { IntraOpThreads = 1 });
            double difference = DsnoOnnxVerifier.MaxAbsDifference(model, session, batch: 8, seed: 21);
            var row = new AccuracyResult(size == 8 ? "digits 8x8" : "Fashion-MNIST-16", size, m, classes, model.Network.ParameterCount, difference);
            Console.WriteLine($"  {row}");
            results.Add(row);
        }
        return results;
    }
}
