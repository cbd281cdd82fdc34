namespace Dsno.MLNet.Internal;

/// <summary>
/// Declares, on an assembly, a transformer that ML.NET should be able to load:
/// <c>[assembly: ModelLoader(typeof(MyTransformer), MyTransformer.LoaderSignature)]</c>. <see cref="ModelLoaderRegistry"/> collects
/// these from every loaded assembly that references Dsno.MLNet when it builds the loader shim, so declaring needs no code to run
/// (and does not load Dsno.MLNet) before the first model load. Equivalent to calling
/// <see cref="ModelLoaderRegistry.Register(Type, string)"/>.
/// </summary>
/// <param name="transformerType">The transformer that loads sub-models carrying <paramref name="loaderSignature"/>.</param>
/// <param name="loaderSignature">The loader signature.</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
internal sealed class ModelLoaderAttribute(Type transformerType, string loaderSignature) : Attribute
{
    /// <summary>The transformer type, with a static <c>Create(IHostEnvironment env, object ctx)</c>.</summary>
    public Type TransformerType { get; } = transformerType;

    /// <summary>Its loader signature.</summary>
    public string LoaderSignature { get; } = loaderSignature;
}
