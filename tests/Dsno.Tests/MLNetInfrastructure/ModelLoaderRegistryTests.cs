using System.Reflection;
using Dsno.MLNet.Internal;
using Dsno.Tests.MLNetInfrastructure.TestModel;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Dsno.Tests.MLNetInfrastructure;

/// <summary>The in-memory loader assembly carries a loader for every registered transformer and is found with no user call.</summary>
public class ModelLoaderRegistryTests
{
    [Fact]
    public void TheRuntimeResolvesTheLoaderAssemblyAndKeepsItsLoadableClassAttributes()
    {
        Assert.True(ModelLoaderRegistry.IsInstalled, "the module initializers should have installed the resolver");

        // What ML.NET does on load: Assembly.Load(name from the header), then read the assembly's attributes.
        var shim = Assembly.Load(ModelLoaderRegistry.LoaderAssemblyName);
        Assert.Same(shim, ModelLoaderRegistry.GetOrLoadShim());
        // [assembly: ModelLoader(typeof(TinyLinearTransformer), ...)] in this test assembly was collected when the shim was built.
        Assert.Contains(ModelLoaderRegistry.Registrations, r => r.TransformerType == typeof(TinyLinearTransformer));
        var loaders = shim.GetCustomAttributes(MlNetInternals.LoadableClassAttributeType, inherit: false);
        // The runtime drops attributes whose constructor the assembly may not access: they are kept only thanks to IgnoresAccessChecksTo.
        Assert.Equal(ModelLoaderRegistry.Registrations.Count, loaders.Length);
        var names = loaders.Select(a => (string[])a.GetType().GetProperty("LoadNames")!.GetValue(a)!).SelectMany(n => n).ToList();
        Assert.Contains(TinyLinearTransformer.LoaderSignature, names);
        var instanceTypes = loaders.Select(a => (Type)a.GetType().GetProperty("InstanceType")!.GetValue(a)!).ToList();
        Assert.Contains(typeof(TinyLinearTransformer), instanceTypes);

        // ML.NET's public catalog accepts the shim and finds the Create(IHostEnvironment, object) loader.
        new MLContext().ComponentCatalog.RegisterAssembly(shim);
    }

    [Fact]
    public void RegistrationChecksTheLoaderMethodAndTheSignature()
    {
        ModelLoaderRegistry.GetOrLoadShim(); // collects this assembly's declarations, TinyLinear's among them
        var notTransformer = Assert.Throws<ArgumentException>(() => ModelLoaderRegistry.Register(typeof(string), "DsnoNotATransformer"));
        Assert.Contains("ITransformer", notTransformer.Message);

        var noCreate = Assert.Throws<ArgumentException>(() => ModelLoaderRegistry.Register(typeof(TransformerWithoutLoader), "DsnoNoLoader"));
        Assert.Contains("Create(IHostEnvironment env, object ctx)", noCreate.Message);

        Assert.Throws<ArgumentException>(() => ModelLoaderRegistry.Register(typeof(LateTransformer), "ThisLoaderSignatureIsTooLong"));
        Assert.Throws<ArgumentException>(() => ModelLoaderRegistry.Register(typeof(LateTransformer), "Dsnö"));

        var taken = Assert.Throws<ArgumentException>(() =>
            ModelLoaderRegistry.Register(typeof(LateTransformer), TinyLinearTransformer.LoaderSignature.ToUpperInvariant()));
        Assert.Contains(typeof(TinyLinearTransformer).FullName!, taken.Message);

        // Registering the same pair again is harmless, even after the loader assembly was built.
        ModelLoaderRegistry.Register(typeof(TinyLinearTransformer), TinyLinearTransformer.LoaderSignature);
    }

    [Fact]
    public void RegisteringAfterTheLoaderAssemblyWasBuiltFailsClearly()
    {
        ModelLoaderRegistry.GetOrLoadShim();
        var late = Assert.Throws<InvalidOperationException>(() => ModelLoaderRegistry.Register(typeof(LateTransformer), "DsnoLateTransformer"));
        Assert.Contains("before the first model load", late.Message);
        Assert.DoesNotContain(ModelLoaderRegistry.Registrations, r => r.TransformerType == typeof(LateTransformer));
    }

    /// <summary>A transformer with a proper loader that nobody registers in time.</summary>
    private sealed class LateTransformer : NotImplementedTransformer
    {
        private static LateTransformer Create(IHostEnvironment env, object ctx) => new();
    }

    /// <summary>A transformer ML.NET could not load: it has no static Create(IHostEnvironment, object).</summary>
    private sealed class TransformerWithoutLoader : NotImplementedTransformer
    {
        private static TransformerWithoutLoader Create(IHostEnvironment env) => new();
    }

    private abstract class NotImplementedTransformer : ITransformer
    {
        public bool IsRowToRowMapper => false;
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => throw new NotSupportedException();
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();
        public IDataView Transform(IDataView input) => throw new NotSupportedException();
        void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException();
    }
}
