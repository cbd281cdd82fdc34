namespace Dsno.MLNet.Internal;

/// <summary>
/// What <see cref="ModelPersistence"/> writes for one transformer: its options as JSON, the columns it reads and writes, and named
/// binary streams (weights), each stored as its own zip entry.
/// </summary>
internal sealed class PersistedModel
{
    /// <summary>The transformer's options, serialised with <see cref="ModelPersistence.ToJson{T}(T)"/>.</summary>
    public string OptionsJson { get; init; } = "{}";

    /// <summary>Names of the input columns the transformer reads (informational and for checks on load).</summary>
    public IReadOnlyList<string> InputColumns { get; init; } = Array.Empty<string>();

    /// <summary>Names of the output columns the transformer adds.</summary>
    public IReadOnlyList<string> OutputColumns { get; init; } = Array.Empty<string>();

    /// <summary>Named binary payloads, for example <c>"Weights"</c> holding a TorchSharp state dictionary.</summary>
    public IReadOnlyDictionary<string, byte[]> Streams { get; init; } = new Dictionary<string, byte[]>();

    /// <summary>The version of Dsno.MLNet that wrote the model (set on save, read back on load; informational).</summary>
    public string WrittenBy { get; init; } = "";

    /// <summary>The stream <paramref name="name"/>; <see cref="InvalidDataException"/> when the model has none.</summary>
    public byte[] GetStream(string name) =>
        Streams.TryGetValue(name, out var bytes)
            ? bytes
            : throw new InvalidDataException($"Corrupt Dsno.MLNet model: the binary stream '{name}' is missing " +
                                             $"(found: {(Streams.Count == 0 ? "none" : string.Join(", ", Streams.Keys))}).");
}
