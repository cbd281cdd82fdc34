using Xunit.Abstractions;

namespace Dsno.Tests.Lint;

/// <summary>
/// No project code hands libtorch a Scalar that nobody keeps alive (see <c>Dsno.Runtime.Scalars</c>): each project is compiled with
/// Roslyn against its build output and every such place is listed (<see cref="ImplicitScalarScan"/>). Use
/// <c>Dsno.Runtime.TensorArithmetic</c> (<c>Plus</c>, <c>Times</c>, ...), <c>Scalars.One</c> / <c>Scalars.Of(constant)</c>, or a
/// <c>using var s = value.ToScalar();</c> that outlives the call instead. This test project is scanned too: its tests run beside each other, so a collection during one test's native call can free another's Scalar.
/// </summary>
public class ImplicitScalarLintTests(ITestOutputHelper output)
{
    /// <summary>Projects built into this test's own folder (referenced with their assemblies).</summary>
    public static TheoryData<string> ReferencedProjects => new()
    {
        "src/Dsno/Dsno.csproj", "src/Dsno.MLNet/Dsno.MLNet.csproj", "src/Dsno.Cli/Dsno.Cli.csproj", "examples/QuickStart/QuickStart.csproj", "tests/Dsno.Tests/Dsno.Tests.csproj",
    };

    /// <summary>Projects built beside (ReferenceOutputAssembly="false"): folder, project file, assembly name.</summary>
    public static TheoryData<string, string, string> OtherPrograms => new()
    {
        { "bench/Dsno.Bench", "Dsno.Bench.csproj", "Dsno.Bench" },
        { "bench/Dsno.Scaling", "Dsno.Scaling.csproj", "Dsno.Scaling" },
        { "examples/ClassConditional", "ClassConditional.csproj", "Dsno.Examples.ClassConditional" },
        { "examples/Pipeline", "Pipeline.csproj", "Dsno.Examples.Pipeline" },
        { "examples/Sweep", "Dsno.Examples.Sweep.csproj", "Dsno.Examples.Sweep" },
        { "examples/TrainingPlots", "TrainingPlots.csproj", "Dsno.Examples.TrainingPlots" },
    };

    [Theory]
    [MemberData(nameof(ReferencedProjects))]
    public void ReferencedProjectPassesNoScalarThatCanBeFreedDuringItsCall(string project) =>
        AssertClean(ImplicitScalarScan.Scan(Path.Combine(Root(), project), AppContext.BaseDirectory));

    [Theory]
    [MemberData(nameof(OtherPrograms))]
    public void ProgramPassesNoScalarThatCanBeFreedDuringItsCall(string folder, string projectFile, string assembly) =>
        AssertClean(ImplicitScalarScan.Scan(Path.Combine(Root(), folder, projectFile), Path.GetDirectoryName(BuiltProgram.Locate(folder, assembly))!));

    /// <summary>The scan must find what it is for: the pattern the fix removed, in a file of its own.</summary>
    [Fact]
    public void ScanFindsImplicitScalarsInASmallProject()
    {
        string folder = TinyModels.TempDir();
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "Probe.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\"></Project>");
        File.WriteAllText(Path.Combine(folder, "Probe.cs"), """
            using TorchSharp;
            using static TorchSharp.torch;
            public static class Probe
            {
                public static Tensor Bad(Tensor a, Tensor b, double c) => (a + b) * c;
                public static Tensor AlsoBad(Tensor a) => a.clamp(-1, 1).square().mul(0.5.ToScalar());
                public static Tensor Fine(Tensor a, Tensor b, double c)
                {
                    using var s = c.ToScalar();
                    return a.mul(b).mul(s) - b;
                }
            }
            """);
        var found = ImplicitScalarScan.Scan(Path.Combine(folder, "Probe.csproj"), AppContext.BaseDirectory);
        foreach (var line in found) output.WriteLine(line);
        Assert.Equal(new[] { 5, 5, 6, 6, 6, 6 }, found.Select(f => int.Parse(f.Split(':')[1])).Order().ToArray());
    }

    private void AssertClean(IReadOnlyList<string> found)
    {
        foreach (var line in found) output.WriteLine(line);
        Assert.True(found.Count == 0, $"{found.Count} place(s) hand libtorch a Scalar nobody keeps alive:\n{string.Join("\n", found)}");
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Dsno.MLNet.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no repository root above {AppContext.BaseDirectory}");
    }
}
