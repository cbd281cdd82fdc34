using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace Dsno.MLNet.Internal;

/// <summary>
/// Answers the runtime's request for <see cref="ModelLoaderRegistry.LoaderAssemblyName"/> with the in-memory <see cref="LoaderShim"/>,
/// so that a plain <c>mlContext.Model.Load</c> finds Dsno.MLNet's loaders with no registration call by the user.
/// </summary>
/// <remarks>
/// Installed from this assembly's module initializer and from the module initializer that <c>build/Dsno.MLNet.targets</c> adds to
/// every consuming app and test project (which loads Dsno.MLNet at start-up, so the handler is in place even when nothing else has
/// touched Dsno.MLNet before the first model load). The shim is built and loaded into <see cref="AssemblyLoadContext.Default"/> at
/// most once per process, on the first request; ML.NET registers it again in each new <c>MLContext</c>'s catalog.
/// </remarks>
internal static class LoaderAssemblyResolver
{
    private static readonly object Gate = new();
    private static bool _installed;
    private static Assembly? _shim;

#pragma warning disable CA2255 // installing a resolver before any user code runs is what a module initializer is for
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void OnModuleLoad() => Install();

    /// <summary>Subscribes the handler to <see cref="AssemblyLoadContext.Resolving"/> of the default context. Idempotent.</summary>
    internal static void Install()
    {
        lock (Gate)
        {
            if (_installed) return;
            AssemblyLoadContext.Default.Resolving += OnResolving;
            _installed = true;
        }
    }

    /// <summary>Whether the handler is subscribed.</summary>
    internal static bool IsInstalled
    {
        get { lock (Gate) return _installed; }
    }

    /// <summary>The loaded shim, building and loading it on first call.</summary>
    internal static Assembly GetOrLoadShim()
    {
        lock (Gate)
        {
            if (_shim is null)
            {
                var image = LoaderShim.Build(ModelLoaderRegistry.LoaderAssemblyName, ModelLoaderRegistry.Seal());
                using var stream = new MemoryStream(image, writable: false);
                _shim = AssemblyLoadContext.Default.LoadFromStream(stream);
            }
            return _shim;
        }
    }

    private static Assembly? OnResolving(AssemblyLoadContext context, AssemblyName name)
    {
        if (!string.Equals(name.Name, ModelLoaderRegistry.LoaderAssemblyName, StringComparison.OrdinalIgnoreCase)) return null;
        return GetOrLoadShim();
    }
}
