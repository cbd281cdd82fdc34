using System.Reflection;
using System.Reflection.Emit;

namespace Dsno.MLNet.Internal;

/// <summary>
/// Builds, in memory, the tiny assembly that tells ML.NET how to load Dsno.MLNet's transformers.
/// </summary>
/// <remarks>
/// ML.NET learns about loaders only from <c>[assembly: LoadableClass(...)]</c> attributes. That attribute is internal to
/// Microsoft.ML.Core, so C# cannot apply it and the runtime drops it from any assembly that may not see Microsoft.ML.Core's
/// internals. The shim therefore carries <c>[assembly: IgnoresAccessChecksTo("Microsoft.ML.Core")]</c> (and the same for each
/// transformer's own assembly), which the runtime honours whatever assembly declares the attribute type, plus one
/// <c>LoadableClass(T, T, null, typeof(SignatureLoadModel), T.Name, signature)</c> per registered transformer. It holds no code and
/// no types: only assembly metadata, written with <see cref="PersistedAssemblyBuilder"/> into a byte array. (The attribute type
/// lives in Dsno.MLNet because <see cref="PersistedAssemblyBuilder"/> in .NET 10 writes an image the loader rejects when an
/// assembly attribute uses a constructor defined in the same module.)
/// </remarks>
internal static class LoaderShim
{
    /// <summary>The image (a PE file) of an assembly named <paramref name="assemblyName"/> declaring the given loaders.</summary>
    internal static byte[] Build(string assemblyName, IReadOnlyList<ModelLoaderRegistration> loaders)
    {
        var builder = new PersistedAssemblyBuilder(new AssemblyName(assemblyName) { Version = new Version(1, 0, 0, 0) }, typeof(object).Assembly);
        builder.DefineDynamicModule(assemblyName + ".dll");

        var ignoresAccessChecks = typeof(System.Runtime.CompilerServices.IgnoresAccessChecksToAttribute).GetConstructor(new[] { typeof(string) })!;
        var friends = loaders.Select(l => l.TransformerType.Assembly.GetName().Name!)
            .Prepend(MlNetInternals.CoreAssembly.GetName().Name!).Distinct(StringComparer.Ordinal);
        foreach (var friend in friends)
            builder.SetCustomAttribute(new CustomAttributeBuilder(ignoresAccessChecks, new object[] { friend }));

        var loadableClass = MlNetInternals.LoadableClassAttributeConstructor;
        var signatureType = MlNetInternals.SignatureLoadModelType;
        foreach (var loader in loaders)
        {
            // LoadableClassAttribute(Type instType, Type loaderType, Type argType, Type sigType, string userName, params string[] loadNames)
            builder.SetCustomAttribute(new CustomAttributeBuilder(loadableClass, new object?[]
            {
                loader.TransformerType, loader.TransformerType, null, signatureType, loader.TransformerType.Name, new[] { loader.LoaderSignature },
            }));
        }

        using var image = new MemoryStream();
        builder.Save(image);
        return image.ToArray();
    }
}
