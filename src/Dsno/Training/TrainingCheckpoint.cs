using TorchSharp.Modules;

namespace Dsno.Training;

/// <summary>
/// A resumable training state: step, weights, averaged weights, Adam moments and the loss history. Randomness needs no state of its
/// own because every step draws from a generator seeded by (seed, step). Written atomically: a temporary file is flushed to disk and
/// renamed over the old checkpoint, so a crash at any moment leaves either the old or the new checkpoint, never half of one.
/// </summary>
internal static class TrainingCheckpoint
{
    private static readonly byte[] Magic = "DSNOCKP1"u8.ToArray();

    public static void Save(string path, int step, int seed, nn.Module model, ExponentialMovingAverage? ema, OptimizerHelper optimizer, IReadOnlyList<float> losses)
    {
        AtomicFile.DeleteLeftovers(path); // of a run killed while writing a checkpoint
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(step);
            writer.Write(seed);
            writer.Write(losses.Count);
            foreach (float l in losses) writer.Write(l);
            WeightFile.Write(writer, model);
            writer.Write(ema is not null);
            if (ema is not null) WeightFile.Write(writer, ema.State.Select(kv => (kv.Key, kv.Value)).ToList());
            optimizer.save_state_dict(writer);
        });
    }

    /// <summary>Restores a checkpoint into the given objects and returns the step to continue from and the loss history.</summary>
    public static (int Step, List<float> Losses) Load(string path, int seed, nn.Module model, ExponentialMovingAverage? ema, OptimizerHelper optimizer)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        try
        {
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException($"'{path}' is not a Dsno training checkpoint");
            int step = reader.ReadInt32();
            int savedSeed = reader.ReadInt32();
            if (savedSeed != seed)
                throw new InvalidDataException($"checkpoint '{path}' was written with seed {savedSeed}, but this run uses seed {seed}; delete it or use that seed");
            int count = reader.ReadInt32();
            if (count != step || count < 0) throw new InvalidDataException($"checkpoint '{path}' is inconsistent: {count} losses for step {step}");
            var losses = new List<float>(count);
            for (int i = 0; i < count; i++) losses.Add(reader.ReadSingle());
            if (losses.Any(l => !float.IsFinite(l))) throw new InvalidDataException($"checkpoint '{path}' holds a non-finite loss: it is damaged");
            WeightFile.ReadInto(reader, model, $"checkpoint '{path}' model");
            bool hasEma = reader.ReadBoolean();
            if (hasEma != (ema is not null)) throw new InvalidDataException($"checkpoint '{path}' {(hasEma ? "has" : "lacks")} averaged weights, unlike this run");
            if (ema is not null) WeightFile.ReadInto(reader, ema.State, $"checkpoint '{path}' averaged weights");
            optimizer.load_state_dict(reader);
            return (step, losses);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"checkpoint '{path}' is truncated", e);
        }
    }
}
