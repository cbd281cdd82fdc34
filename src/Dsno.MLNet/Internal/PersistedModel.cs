namespace Dsno.MLNet.Internal;

/// <summary>
/// What <see cref="ModelPersistence"/> writes for one transformer: its settings as JSON and its network's weights, which are stored as
/// a zip entry of their own.
/// </summary>
/// <param name="OptionsJson">The transformer's settings, serialised with <see cref="ModelPersistence.ToJson{T}(T)"/>.</param>
/// <param name="Weights">The network, as its model class writes it (for example a TorchSharp state dictionary).</param>
internal sealed record PersistedModel(string OptionsJson, byte[] Weights);
