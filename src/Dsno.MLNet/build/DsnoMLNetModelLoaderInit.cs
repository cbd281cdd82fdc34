// Added to every app and test project by Dsno.MLNet.targets. ML.NET names the loader assembly of each saved Dsno.MLNet
// transformer "Dsno.MLNet.Loader", which Dsno.MLNet's module initializer teaches the runtime to build in memory. An app that only
// calls mlContext.Model.Load may never touch Dsno.MLNet before that, so this runs that initializer at start-up.
namespace Dsno.Generated
{
    internal static class DsnoMLNetModelLoaderInit
    {
#pragma warning disable CA2255 // a module initializer is exactly what is wanted here
        [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
        internal static void Run()
        {
            System.Reflection.Assembly library;
            try
            {
                library = System.Reflection.Assembly.Load(new System.Reflection.AssemblyName("Dsno.MLNet"));
            }
            catch (System.IO.FileNotFoundException)
            {
                return; // the app does not ship Dsno.MLNet: nothing to set up
            }
            System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(library.ManifestModule.ModuleHandle);
        }
    }
}
