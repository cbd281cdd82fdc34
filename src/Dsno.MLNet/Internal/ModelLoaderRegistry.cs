using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace Dsno.MLNet.Internal;

/// <summary>
/// The transformer types that ML.NET can load from a model zip, each with its loader signature, and the in-memory loader assembly
/// built from them.
/// </summary>
/// <remarks>
/// <para>
/// Every sub-model header that Dsno.MLNet writes names the loader assembly <see cref="LoaderAssemblyName"/>, which exists on no disk.
/// When <c>mlContext.Model.Load</c> meets it, ML.NET calls <c>Assembly.Load</c> with that name; the resolver this class subscribes to
/// <see cref="AssemblyLoadContext.Resolving"/> (from this assembly's module initializer, and from the one that
/// <c>build/Dsno.MLNet.targets</c> adds to every consuming app and test project) answers with the shim built from this list (see
/// <see cref="GetOrLoadShim"/>), and ML.NET then registers the shim's loader attributes in the context's catalog and calls the
/// transformer's <c>Create</c>. The shim is built and loaded into <see cref="AssemblyLoadContext.Default"/> once per process, so the
/// list must be complete before the first model load. Two ways in: declare <c>[assembly: ModelLoader(typeof(T), T.LoaderSignature)]</c>
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
    private static readonly List<Registration> Entries = new();
    private static Assembly? _shim;

    /// <summary>A transformer type and the loader signature its sub-model headers carry.</summary>
    internal sealed record Registration(Type TransformerType, string LoaderSignature);

    /// <summary>Whether the resolver of <see cref="LoaderAssemblyName"/> is subscribed.</summary>
    internal static bool IsInstalled { get; private set; }

#pragma warning disable CA2255 // installing a resolver before any user code runs is what a module initializer is for
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void OnModuleLoad()
    {
        AssemblyLoadContext.Default.Resolving += (_, name) =>
            string.Equals(name.Name, LoaderAssemblyName, StringComparison.OrdinalIgnoreCase) ? GetOrLoadShim() : null;
        IsInstalled = true;
    }

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
            if (_shim is not null)
                throw new InvalidOperationException(
                    $"Cannot register {transformerType.FullName}: the in-memory loader assembly '{LoaderAssemblyName}' was already built " +
                    $"for this process (with {string.Join(", ", Entries.Select(e => e.LoaderSignature))}). Declare it with " +
                    "[assembly: ModelLoader(...)] or register it from a module initializer or static constructor, before the first model load.");
            Entries.Add(new Registration(transformerType, loaderSignature));
        }
    }

    /// <summary>The registrations so far, in registration order.</summary>
    internal static IReadOnlyList<Registration> Registrations
    {
        get { lock (Gate) return Entries.ToArray(); }
    }

    /// <summary>
    /// The loaded shim. The first call adds the loaders declared with <see cref="ModelLoaderAttribute"/> in the loaded assemblies,
    /// builds the shim from the final list, loads it and refuses further registrations.
    /// </summary>
    /// <exception cref="InvalidOperationException">A declaration names a type or signature that cannot be registered.</exception>
    internal static Assembly GetOrLoadShim()
    {
        lock (Gate)
        {
            if (_shim is null)
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
                using var stream = new MemoryStream(BuildShim(LoaderAssemblyName, Entries), writable: false);
                _shim = AssemblyLoadContext.Default.LoadFromStream(stream);
            }
            return _shim;
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

    /// <summary>The image (a PE file) of the loader shim: an assembly named <paramref name="assemblyName"/> declaring the given loaders.</summary>
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
    private static byte[] BuildShim(string assemblyName, IReadOnlyList<Registration> loaders)
    {
        var builder = new PersistedAssemblyBuilder(new AssemblyName(assemblyName) { Version = new Version(1, 0, 0, 0) }, typeof(object).Assembly);
        builder.DefineDynamicModule(assemblyName + ".dll");

        var ignoresAccessChecks = typeof(IgnoresAccessChecksToAttribute).GetConstructor(new[] { typeof(string) })!;
        var friends = loaders.Select(l => l.TransformerType.Assembly.GetName().Name!)
            .Prepend(MlNetInternals.CoreAssembly.GetName().Name!).Distinct(StringComparer.Ordinal);
        foreach (var friend in friends)
            builder.SetCustomAttribute(new CustomAttributeBuilder(ignoresAccessChecks, new object[] { friend }));

        foreach (var loader in loaders)
        {
            // LoadableClassAttribute(Type instType, Type loaderType, Type argType, Type sigType, string userName, params string[] loadNames)
            builder.SetCustomAttribute(new CustomAttributeBuilder(MlNetInternals.LoadableClassAttributeConstructor, new object?[]
            {
                loader.TransformerType, loader.TransformerType, null, MlNetInternals.SignatureLoadModelType, loader.TransformerType.Name,
                new[] { loader.LoaderSignature },
            }));
        }

        using var image = new MemoryStream();
        builder.Save(image);
        return image.ToArray();
    }
}
