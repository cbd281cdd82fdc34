using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Dsno.Runtime;
using Xunit.Abstractions;

namespace Dsno.Tests.Packaging;

/// <summary>
/// What a user does: <c>dotnet pack</c> makes the Dsno and Dsno.MLNet packages, and a new console app outside the repository that
/// references Dsno.MLNet and the CPU libtorch package builds against them and fits, transforms, saves and reloads a model
/// (tests/PackageConsumer/Program.cs) in two processes.
/// </summary>
/// <remarks>
/// Packages come from the machine's NuGet cache without being copied: the app's nuget.config adds a local folder source with the
/// packed packages (the machine's own sources stay), makes a temporary folder its package folder and the machine's package folder a
/// fallback folder. The packages get a version of their own for each run, so no run ever finds an older build of them in a cache.
/// </remarks>
public class PackAndConsumeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(3), BuildTimeout = TimeSpan.FromMinutes(6), RunTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public void ANewAppBuildsAgainstThePackagesAndReloadsTheModelItSavedInASecondProcess()
    {
        string root = RepositoryRoot.Find();
        using var temp = new TempFolder();
        Assert.False(IsUnder(temp.Path, root), $"the temporary folder {temp.Path} must be outside the repository {root}");
        string feed = Directory.CreateDirectory(temp.File("feed")).FullName;
        string app = Directory.CreateDirectory(temp.File("app")).FullName;
        string packages = Directory.CreateDirectory(temp.File("packages")).FullName;
        string run = Directory.CreateDirectory(temp.File("run")).FullName;
        string suffix = "packtest." + Guid.NewGuid().ToString("N")[..12];
        string machinePackages = MachinePackageFolder();
        var log = new List<string>();

        // 1. Pack what the test project was built from (same configuration), as `dotnet pack` does after a build.
        string configuration = TestConfiguration();
        foreach (var project in new[] { "src/Dsno/Dsno.csproj", "src/Dsno.MLNet/Dsno.MLNet.csproj" })
            Run(log, null, PackTimeout, "pack", Path.Combine(root, project), "-c", configuration, "--no-build", "-o", feed, "--version-suffix", suffix);
        string version = CheckPackages(feed, suffix);

        // 2. A new console app with its own nuget.config.
        string libTorchVersion = Regex.Match(File.ReadAllText(Path.Combine(root, "Directory.Build.props")),
            "<LibTorchVersion>([^<]+)</LibTorchVersion>").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(libTorchVersion), "LibTorchVersion not found in Directory.Build.props");
        File.WriteAllText(Path.Combine(app, "PackageConsumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <!-- No vulnerability lookups: the test must not need the network beyond what restoring needs. -->
                <NuGetAudit>false</NuGetAudit>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Dsno.MLNet" Version="[{version}]" />
                <PackageReference Include="libtorch-cpu-linux-x64" Version="{libTorchVersion}" />
              </ItemGroup>
            </Project>
            """);
        File.Copy(Path.Combine(root, "tests", "PackageConsumer", "Program.cs"), Path.Combine(app, "Program.cs"));
        File.WriteAllText(Path.Combine(app, "nuget.config"), new XDocument(
            new XElement("configuration",
                new XElement("config", new XElement("add", new XAttribute("key", "globalPackagesFolder"), new XAttribute("value", packages))),
                new XElement("packageSources", new XElement("add", new XAttribute("key", "dsno-packtest"), new XAttribute("value", feed))),
                new XElement("fallbackPackageFolders",
                    new XElement("add", new XAttribute("key", "machine-packages"), new XAttribute("value", machinePackages))))).ToString());
        // MSBuild looks for these in every folder above the project; stop it at the app's folder.
        File.WriteAllText(Path.Combine(app, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(app, "Directory.Build.targets"), "<Project />");

        // 3. Build. Hard links instead of copies of the native libraries (libtorch is hundreds of MB); the libtorch fix replaces its
        //    file rather than writing into it, so the package cache is never changed (checked below).
        string cachedNative = Path.Combine(machinePackages, "torchsharp");
        var environment = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = packages };
        Run(log, app, BuildTimeout, environment, "build", "-c", "Release", "--disable-build-servers", "-p:CreateHardLinksForCopyLocalIfPossible=true");
        string assembly = Path.Combine(app, "bin", "Release", "net10.0", "PackageConsumer.dll");
        Assert.True(File.Exists(assembly), $"no {assembly}\n{string.Join("\n", log)}");
        var nativeInOutput = Directory.GetFiles(Path.Combine(app, "bin"), "libLibTorchSharp.so", SearchOption.AllDirectories).Single();
        var nativeInCache = Directory.GetFiles(cachedNative, "libLibTorchSharp.so", SearchOption.AllDirectories);
        var cacheHashes = nativeInCache.Select(Sha256).ToArray();

        // 4. Fit and save in one process, load and transform in another.
        var fit = Run(log, app, RunTimeout, environment, assembly, "fit", run);
        Assert.Contains("Dsno.Generated.DsnoNativeInit: present", fit.StandardOutput);
        Assert.Contains("Dsno.Generated.DsnoMLNetModelLoaderInit: present", fit.StandardOutput);
        Assert.Contains("fit: 768 values", fit.StandardOutput); // 12 images of 1x8x8
        Assert.True(File.Exists(Path.Combine(run, "dsno.zip")));
        var load = Run(log, app, RunTimeout, environment, assembly, "load", run);
        Assert.Contains("load: identical images (768 values)", load.StandardOutput);

        // The libtorch loading fix worked in the app: its copy loads as shipped or was made loadable; the cache is untouched.
        Assert.True(ElfVersionNeeds.IsWeak(nativeInOutput, "GLIBCXX_3.4.32") || fit.StandardOutput.Contains("loads as it is"), fit.StandardOutput);
        Assert.Equal(cacheHashes, nativeInCache.Select(Sha256).ToArray());
        foreach (var line in log) output.WriteLine(line);
        output.WriteLine(fit.StandardOutput + load.StandardOutput);
    }

    /// <summary>Checks both packages' contents and returns their version.</summary>
    private static string CheckPackages(string feed, string suffix)
    {
        var files = Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(2, files.Length);
        string version = Regex.Match(files[0]!, @"^Dsno\.(\d+\.\d+\.\d+-" + Regex.Escape(suffix) + @")\.nupkg$").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(version), $"unexpected package names: {string.Join(", ", files)}");
        Assert.Equal(new[] { $"Dsno.{version}.nupkg", $"Dsno.MLNet.{version}.nupkg" }, files);

        var expected = new Dictionary<string, string[]>
        {
            ["Dsno"] = new[] { "lib/net10.0/Dsno.dll", "lib/net10.0/Dsno.xml", "README.md", "DIGITS-ATTRIBUTION.md",
                               "buildTransitive/Dsno.targets", "buildTransitive/DsnoNativeInit.cs" },
            ["Dsno.MLNet"] = new[] { "lib/net10.0/Dsno.MLNet.dll", "lib/net10.0/Dsno.MLNet.xml", "README.md",
                                     "buildTransitive/Dsno.MLNet.targets", "buildTransitive/DsnoMLNetModelLoaderInit.cs" },
        };
        foreach (var (id, entries) in expected)
        {
            using var zip = ZipFile.OpenRead(Path.Combine(feed, $"{id}.{version}.nupkg"));
            var names = zip.Entries.Select(e => e.FullName).ToHashSet();
            foreach (var entry in entries) Assert.True(names.Contains(entry), $"{id} package lacks {entry}; it has {string.Join(", ", names.Order())}");
            using var nuspecStream = zip.Entries.Single(e => e.FullName == $"{id}.nuspec").Open();
            var metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string? Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
            Assert.Equal("MIT", Field("license"));
            Assert.Equal("README.md", Field("readme"));
            Assert.False(string.IsNullOrWhiteSpace(Field("description")));
            var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
                .ToDictionary(e => e.Attribute("id")!.Value, e => e.Attribute("version")!.Value);
            Assert.True(dependencies.ContainsKey("TorchSharp") || id != "Dsno", $"Dsno must depend on TorchSharp: {string.Join(", ", dependencies.Keys)}");
            Assert.False(dependencies.Keys.Any(d => d.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase) || d.StartsWith("TorchSharp-", StringComparison.Ordinal)),
                $"{id} must leave the native backend to the app: {string.Join(", ", dependencies.Keys)}");
            if (id == "Dsno.MLNet") Assert.Equal(version, dependencies["Dsno"]);
            // The XML docs are the assembly's own.
            using var docs = zip.Entries.Single(e => e.FullName == $"lib/net10.0/{id}.xml").Open();
            Assert.Equal(id, XDocument.Load(docs).Root!.Element("assembly")!.Element("name")!.Value);
        }
        return version;
    }

    private static BuiltProgram.Result Run(List<string> log, string? workingDirectory, TimeSpan timeout, params string[] arguments) =>
        Run(log, workingDirectory, timeout, null, arguments);

    private static BuiltProgram.Result Run(List<string> log, string? workingDirectory, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        var started = DateTime.UtcNow;
        var result = BuiltProgram.Dotnet(workingDirectory, timeout, environment, arguments);
        log.Add($"dotnet {string.Join(' ', arguments)}: {(DateTime.UtcNow - started).TotalSeconds:0.0} s, exit code {result.ExitCode}");
        Assert.True(result.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed\n{result}\n{string.Join("\n", log)}");
        return result;
    }

    /// <summary>The machine's NuGet package folder (NUGET_PACKAGES, or the configured or default one), as dotnet reports it.</summary>
    private static string MachinePackageFolder()
    {
        var result = BuiltProgram.Dotnet(null, PackTimeout, null, "nuget", "locals", "global-packages", "--list");
        Assert.True(result.ExitCode == 0, result.ToString());
        var match = Regex.Match(result.StandardOutput, @"global-packages:\s*(\S.*?)\s*$", RegexOptions.Multiline);
        Assert.True(match.Success && Directory.Exists(match.Groups[1].Value), result.ToString());
        return match.Groups[1].Value;
    }

    /// <summary>The build configuration of this test assembly (its output is bin/CONFIGURATION/net10.0/...).</summary>
    private static string TestConfiguration()
    {
        var parts = AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        int bin = Array.LastIndexOf(parts, "bin");
        Assert.True(bin >= 0 && bin + 1 < parts.Length, $"cannot tell the configuration from {AppContext.BaseDirectory}");
        return parts[bin + 1];
    }

    private static bool IsUnder(string path, string folder) =>
        Path.GetFullPath(path).StartsWith(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
