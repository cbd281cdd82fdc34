using System.Text;
using Dsno.MLNet.Internal;
using TorchSharp;

namespace Dsno.Tests.MLNetInfrastructure.TestModel;

/// <summary>
/// Turns a TorchSharp module's parameters and buffers into the weights of a <see cref="PersistedModel"/>, and back.
/// </summary>
/// <remarks>
/// Uses TorchSharp's own state-dictionary format. Loading is strict: the bytes must name exactly the module's tensors, with the
/// same types and shapes, and nothing may follow them; anything else is reported as <see cref="InvalidDataException"/>. Build the
/// module from the saved options first (that fixes the architecture), then load the weights into it.
/// </remarks>
internal static class ModuleWeights
{
    /// <summary>The state dictionary of <paramref name="module"/> (moved through the CPU when it lives elsewhere).</summary>
    internal static byte[] ToBytes(torch.nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            module.save(writer);
        return stream.ToArray();
    }

    /// <summary>Loads bytes made by <see cref="ToBytes"/> into a module of the same architecture.</summary>
    /// <param name="module">The target, already built with the saved architecture.</param>
    /// <param name="bytes">The state dictionary.</param>
    /// <param name="what">Names the weights in error messages, for example the loader signature.</param>
    internal static void LoadInto(torch.nn.Module module, byte[] bytes, string what)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(bytes);
        using var stream = new MemoryStream(bytes, writable: false);
        try
        {
            using (var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true))
                module.load(reader, strict: true);
        }
        catch (Exception e) when (e is ArgumentException or EndOfStreamException or IOException or OverflowException
                                      or InvalidCastException or FormatException or OutOfMemoryException)
        {
            throw new InvalidDataException($"Corrupt Dsno.MLNet model '{what}': the weights do not fit the saved architecture ({e.Message}).", e);
        }
        if (stream.Position != stream.Length)
            throw new InvalidDataException(
                $"Corrupt Dsno.MLNet model '{what}': {stream.Length - stream.Position} unexpected bytes after the weights.");
    }
}
