// Added to every app and test project by Dsno.targets: runs before the app's own code touches torch.
namespace Dsno.Generated
{
    internal static class DsnoNativeInit
    {
#pragma warning disable CA2255 // a module initializer is exactly what is wanted here
        [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
        internal static void Run() => global::Dsno.Runtime.LibTorchLoader.EnsureLoadable();
    }
}
