using Dsno.MLNet.Internal;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Dsno.Tests.MLNetInfrastructure;

/// <summary>The reflection bridge into ML.NET's internal persistence API resolves, and fails loudly when a member is missing.</summary>
public class MlNetInternalsTests
{
    [Fact]
    public void VerifyResolvesEveryInternalMemberOfThisMlNet()
    {
        MlNetInternals.Verify(); // throws InvalidOperationException naming the member if this ML.NET changed them

        Assert.Equal("Microsoft.ML.ModelLoadContext", MlNetInternals.ModelLoadContextType.FullName);
        Assert.Equal("Microsoft.ML.LoadableClassAttribute", MlNetInternals.LoadableClassAttributeType.FullName);
        Assert.True(typeof(Delegate).IsAssignableFrom(MlNetInternals.SignatureLoadModelType));
        Assert.Equal(6, MlNetInternals.LoadableClassAttributeConstructor.GetParameters().Length);
        Assert.False(string.IsNullOrEmpty(MlNetInternals.LoadedVersion));
    }

    [Fact]
    public void AMissingMemberRaisesAnErrorNamingItAndTheMlNetVersion()
    {
        var method = Assert.Throws<InvalidOperationException>(() => MlNetInternals.FindMethod(typeof(ModelSaveContext), "SaveEverything", typeof(string)));
        Assert.Contains("Microsoft.ML.ModelSaveContext.SaveEverything(String)", method.Message);
        Assert.Contains(MlNetInternals.LoadedVersion, method.Message);
        Assert.Contains(MlNetInternals.WrittenAgainstVersion, method.Message);

        var type = Assert.Throws<InvalidOperationException>(() => MlNetInternals.FindType("Microsoft.ML.ModelLoadContextV2"));
        Assert.Contains("type Microsoft.ML.ModelLoadContextV2", type.Message);

        // A field that exists but with another type counts as missing too.
        var field = Assert.Throws<InvalidOperationException>(() => MlNetInternals.FindField(typeof(ModelSaveContext), "Writer", typeof(TextWriter)));
        Assert.Contains("field TextWriter Microsoft.ML.ModelSaveContext.Writer", field.Message);
    }

    [Fact]
    public void ShapeColumnsAndVersionInfoAreBuiltThroughTheInternalConstructors()
    {
        var column = SchemaShapes.FloatVector("Trajectory", "Times");
        Assert.Equal("Trajectory", column.Name);
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, column.Kind);
        Assert.Equal(NumberDataViewType.Single, column.ItemType);
        Assert.Equal("Times", Assert.Single(column.Annotations).Name);

        var info = new ModelKind("DSNOTEST", "DsnoSomething", 3, 2).ToVersionInfo();
        Assert.Equal("Microsoft.ML.VersionInfo", info.GetType().FullName);
        Assert.Equal(ModelLoaderRegistry.LoaderAssemblyName, info.GetType().GetField("LoaderAssemblyName")!.GetValue(info));
        Assert.Equal(3u, info.GetType().GetField("VerWrittenCur")!.GetValue(info));
        Assert.Equal(2u, info.GetType().GetField("VerWeCanReadBack")!.GetValue(info));

        Assert.Throws<ArgumentException>(() => new ModelKind("SHORT", "DsnoSomething", 1).ToVersionInfo());
        Assert.Throws<ArgumentException>(() => new ModelKind("DSNOTEST", "ThisLoaderSignatureIsTooLong", 1).ToVersionInfo());
        Assert.Throws<ArgumentException>(() => new ModelKind("DSNOTEST", "Has space", 1).ToVersionInfo());
    }
}
