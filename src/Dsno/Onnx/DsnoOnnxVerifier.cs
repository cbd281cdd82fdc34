namespace Dsno.Onnx;

/// <summary>Compares an exported file, run in ONNX Runtime, with the TorchSharp operator it came from.</summary>
public static class DsnoOnnxVerifier
{
    /// <summary>
    /// Runs <paramref name="model"/> (TorchSharp) and <paramref name="session"/> (ONNX Runtime) on the same <paramref name="batch"/> noises
    /// drawn from <paramref name="seed"/> (labels 0, 1, 2, ... modulo the class count for a class-conditional model; for a w-conditioned
    /// model guidance scales spread evenly over its trained range, so every row asks for another w) and returns the
    /// largest absolute difference over every value of the trajectories (which include the images). An export at query times is
    /// compared with <c>DsnoModel.Decode</c> at the times its metadata records.
    /// </summary>
    public static double MaxAbsDifference(DsnoModel model, DsnoOnnxSession session, int batch, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(session);
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "compare at least one noise");
        var a = model.Architecture;
        var md = session.Metadata;
        if (md.Channels != a.Channels || md.Height != a.Height || md.Width != a.Width || md.Classes != a.NumClasses ||
            !(md.TrainedFrameTimes ?? md.FrameTimes).SequenceEqual(model.FrameTimes))
            throw new ArgumentException($"the ONNX model ({md.Channels}x{md.Height}x{md.Width}, {md.Classes} classes, {md.FrameTimes.Length} frames) " +
                                        $"is not an export of this operator ({a.Channels}x{a.Height}x{a.Width}, {a.NumClasses} classes, {model.FrameTimes.Length} frames)",
                nameof(session));
        using var scope = torch.NewDisposeScope();
        var noise = GaussianNoise.Sample(0, batch, a.Channels, a.Height, a.Width, seed, torch.CPU);
        long[]? labels = a.NumClasses > 0 ? Enumerable.Range(0, batch).Select(i => (long)(i % a.NumClasses)).ToArray() : null;
        var labelTensor = labels is null ? null : torch.tensor(labels);
        float[]? guidance = model.GuidanceRange is { } r
            ? Enumerable.Range(0, batch).Select(i => (float)(batch == 1 ? (r.Min + r.Max) / 2 : r.Min + (r.Max - r.Min) * i / (batch - 1))).ToArray()
            : null;
        var guidanceTensor = guidance is null ? null : torch.tensor(guidance);
        // An export at query times is compared with the model's own decoding at those times.
        var frames = md.FrameTimes.SequenceEqual(model.FrameTimes)
            ? model.Generate(noise, labelTensor, guidanceTensor)
            : model.Decode(noise, labelTensor, guidanceTensor, md.FrameTimes);
        var expected = frames.cpu().contiguous().data<float>().ToArray();
        var (_, trajectories) = session.Run(noise.contiguous().data<float>().ToArray(), batch, labels, guidance);
        if (trajectories.Length != expected.Length)
            throw new InvalidOperationException($"ONNX Runtime returned {trajectories.Length} trajectory values, TorchSharp {expected.Length}");
        double max = 0;
        for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs((double)expected[i] - trajectories[i]));
        return max;
    }
}
