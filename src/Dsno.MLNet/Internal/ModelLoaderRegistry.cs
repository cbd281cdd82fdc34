using System.Reflection;

namespace Dsno.MLNet.Internal;

/// <summary>
/// The transformer types that ML.NET can load from a model zip, each with its loader signature.
/// </summary>
/// <remarks>
/// <para>
/// Every sub-model header that Dsno.MLNet writes names the loader assembly <see cref="LoaderAssemblyName"/>, which exists on no disk.
/// When <c>mlContext.Model.Load</c> meets it, ML.NET calls <c>Assembly.Load</c> with that name; <see cref="LoaderAssemblyResolver"/>
/// answers by building <see cref="LoaderShim"/> from this list, and ML.NET then registers the shim's loader attributes in the
/// context's catalog and calls the transformer's <c>Create</c>. The shim is built once per process, so the list must be complete
/// before the first model load. Two ways in: declare <c>[assembly: ModelLoader(typeof(T), T.LoaderSignature)]</c>
/// (<see cref="ModelLoaderAttribute"/>; collected from every loaded assembly that references Dsno.MLNet when the shim is built,
/// so nothing has to run beforehand), or call <see cref="Register"/> from a static constructor or module initializer. A
/// <see cref="Register"/> call after the shim was built throws.
/// </para>
/// <para>
/// A registered type must be an <see cref="ITransformer"/> that declares
/// <c>static TTransformer Create(IHostEnvironment env, object ctx)</c> (any visibility), returning exactly its own type. The
/// second parameter is a <c>ModelLoadContext</c> at run time; that type is internal to ML.NET, so it is declared as
/// <see cref="object"/> (ML.NET's catalog looks the method up with the default binder, which accepts a widening to object), and
/// is handed unchanged to <see cref="ModelPersistence.Load"/>.
/// </para>
/// </remarks>
internal static class ModelLoaderRegistry
{
    /// <summary>The loader assembly name written into every sub-model header; resolved in memory, never from disk.</summary>
    internal const string LoaderAssemblyName = "Dsno.MLNet.Loader";

    /// <summary>The name of the loader method ML.NET looks for.</summary>
    internal const string CreateMethodName = "Create";

    private static readonly object Gate = new();
    private static readonly List<ModelLoaderRegistration> Entries = new();
    private static bool _sealed;

    /// <summary>
    /// Registers <paramref name="transformerType"/> as the loader for sub-models whose header carries
    /// <paramref name="loaderSignature"/>. Registering the same pair again does nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The type lacks the loader method, or the signature is malformed or taken.</exception>
    /// <exception cref="InvalidOperationException">A model was already loaded in this process, so the loader shim is fixed.</exception>
    internal static void Register(Type transformerType, string loaderSignature)
    {
        ArgumentNullException.ThrowIfNull(transformerType);
        MlNetInternals.CheckLoaderSignature(loaderSignature);
        CheckLoaderMethod(transformerType);
        lock (Gate)
        {
            var same = Entries.FirstOrDefault(e => string.Equals(e.LoaderSignature, loaderSignature, StringComparison.OrdinalIgnoreCase));
            if (same is not null)
            {
                if (same.TransformerType == transformerType) return;
                throw new ArgumentException(
                    $"The loader signature '{loaderSignature}' is already registered for {same.TransformerType.FullName}; " +
                    $"{transformerType.FullName} needs another one (ML.NET compares them case-insensitively).", nameof(loaderSignature));
            }
            if (_sealed)
                throw new InvalidOperationException(
                    $"Cannot register {transformerType.FullName}: the in-memory loader assembly '{LoaderAssemblyName}' was already built " +
                    $"for this process (with {string.Join(", ", Entries.Select(e => e.LoaderSignature))}). Declare it with " +
                    "[assembly: ModelLoader(...)] or register it from a module initializer or static constructor, before the first model load.");
            Entries.Add(new ModelLoaderRegistration(transformerType, loaderSignature));
        }
    }

    /// <summary>The registrations so far, in registration order.</summary>
    internal static IReadOnlyList<ModelLoaderRegistration> Registrations
    {
        get { lock (Gate) return Entries.ToArray(); }
    }

    /// <summary>
    /// Adds the loaders declared with <see cref="ModelLoaderAttribute"/> in the loaded assemblies, then returns the final list and
    /// refuses further registrations; called once, when the loader shim is built.
    /// </summary>
    /// <exception cref="InvalidOperationException">A declaration names a type or signature that cannot be registered.</exception>
    internal static IReadOnlyList<ModelLoaderRegistration> Seal()
    {
        lock (Gate)
        {
            if (!_sealed)
            {
                foreach (var (assembly, declaration) in Declarations())
                {
                    try
                    {
                        Register(declaration.TransformerType, declaration.LoaderSignature);
                    }
                    catch (ArgumentException e)
                    {
                        throw new InvalidOperationException(
                            $"[assembly: ModelLoader(typeof({declaration.TransformerType?.Name}), \"{declaration.LoaderSignature}\")] in " +
                            $"{assembly.GetName().Name} is invalid: {e.Message}", e);
                    }
                }
                _sealed = true;
            }
            return Entries.ToArray();
        }
    }

    /// <summary>The <see cref="ModelLoaderAttribute"/>s of the loaded assemblies that can carry them.</summary>
    private static IEnumerable<(Assembly Assembly, ModelLoaderAttribute Declaration)> Declarations()
    {
        var self = typeof(ModelLoaderRegistry).Assembly;
        string selfName = self.GetName().Name!;
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.IsDynamic) continue;
            if (assembly != self && !assembly.GetReferencedAssemblies().Any(r => r.Name == selfName)) continue;
            foreach (var declaration in assembly.GetCustomAttributes<ModelLoaderAttribute>())
                yield return (assembly, declaration);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the type has the loader method ML.NET's catalog will find.</summary>
    internal static void CheckLoaderMethod(Type transformerType)
    {
        if (!typeof(ITransformer).IsAssignableFrom(transformerType) || transformerType.IsAbstract || transformerType.IsGenericTypeDefinition)
            throw new ArgumentException($"{transformerType.FullName} must be a concrete, non-generic ITransformer.", nameof(transformerType));
        const BindingFlags any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var candidates = transformerType.GetMethods(any).Where(m => m.Name == CreateMethodName && m.GetParameters().Length == 2).ToList();
        var create = candidates.SingleOrDefault(m =>
            m.GetParameters() is [{ } env, { } ctx] && env.ParameterType == typeof(IHostEnvironment) && ctx.ParameterType == typeof(object));
        if (create is null || candidates.Count != 1 || create.ReturnType != transformerType)
            throw new ArgumentException(
                $"{transformerType.FullName} must declare exactly one two-parameter static method " +
                $"'static {transformerType.Name} {CreateMethodName}(IHostEnvironment env, object ctx)' for ML.NET to load it.",
                nameof(transformerType));
    }
}
