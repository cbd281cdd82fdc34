using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Dsno.Tests.Lint;

/// <summary>
/// Compiles one project's sources with Roslyn against its own build output and lists every place that hands libtorch a Scalar
/// nobody keeps alive (the race described on <c>Dsno.Runtime.Scalars</c>): a number converted to <c>Scalar</c> where a TorchSharp
/// member takes one, a call of a TorchSharp member (method or operator) that makes a Scalar inside itself, and a
/// <c>ToScalar()</c> that is not the initializer of a <c>using</c> local.
/// </summary>
internal static class ImplicitScalarScan
{
    /// <summary>Errors that only mean a source generator did not run here (partial methods of LibraryImport / GeneratedRegex).</summary>
    private static readonly HashSet<string> GeneratorErrors = new() { "CS8795", "CS0762" };

    /// <summary>The violations in the project at <paramref name="projectFile"/> whose build output folder is <paramref name="outputFolder"/>.</summary>
    public static IReadOnlyList<string> Scan(string projectFile, string outputFolder)
    {
        string projectFolder = Path.GetDirectoryName(projectFile)!;
        var project = XDocument.Load(projectFile);
        string assemblyName = project.Descendants("AssemblyName").FirstOrDefault()?.Value ?? Path.GetFileNameWithoutExtension(projectFile);
        bool exe = project.Descendants("OutputType").Any(e => e.Value == "Exe");

        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var files = Directory.GetFiles(projectFolder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Concat(LinkedFiles(project, projectFolder)).Distinct().ToList();
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, f)).ToList();
        var usings = new[] { "System", "System.IO", "System.Linq", "System.Collections.Generic", "System.Net.Http", "System.Threading", "System.Threading.Tasks" }
            .Concat(project.Descendants("Using").Select(u => u.Attribute("Include")?.Value).OfType<string>());
        trees.Add(CSharpSyntaxTree.ParseText(string.Concat(usings.Select(u => $"global using {u};\n")), parse));

        var compilation = CSharpCompilation.Create(assemblyName, trees, References(outputFolder, assemblyName),
            new CSharpCompilationOptions(exe ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && !GeneratorErrors.Contains(d.Id)).ToList();
        if (errors.Count > 0)
            throw new InvalidOperationException($"{assemblyName} does not compile here, so the scan would miss code:\n{string.Join("\n", errors.Take(10))}");

        var scalar = compilation.GetTypeByMetadataName("TorchSharp.Scalar")
            ?? throw new InvalidOperationException($"{assemblyName}: TorchSharp.Scalar not found among the references");
        using var creators = new TorchSharpScalarCreators(Path.Combine(outputFolder, "TorchSharp.dll"));
        var found = new List<string>();
        foreach (var tree in trees)
        {
            var model = compilation.GetSemanticModel(tree);
            var seen = new HashSet<IOperation>();
            bool keepsConstants = Path.GetFileName(tree.FilePath) == "Scalars.cs";
            foreach (var node in tree.GetRoot().DescendantNodes())
            {
                if (model.GetOperation(node) is not { } operation || !seen.Add(operation)) continue;
                string? problem = operation switch
                {
                    IArgumentOperation a when a.ArgumentKind != ArgumentKind.DefaultValue && IsScalar(a.Parameter?.Type, scalar)
                        && (a.InConversion.IsUserDefined || a.Value is IConversionOperation { OperatorMethod: not null })
                        => $"a {(a.Value as IConversionOperation)?.Operand.Type ?? a.Value.Type} converted to a Scalar nobody keeps alive",
                    IConversionOperation c when c.OperatorMethod is not null && IsScalar(c.Type, scalar)
                        => $"a {c.Operand.Type} converted to a Scalar nobody keeps alive",
                    IInvocationOperation i when IsToScalar(i.TargetMethod)
                        => keepsConstants || IsUsingInitializer(node) ? null : "ToScalar() outside the initializer of a using local",
                    IInvocationOperation i => MakesScalar(i.TargetMethod, creators),
                    IBinaryOperation b when b.OperatorMethod is not null => MakesScalar(b.OperatorMethod, creators),
                    IUnaryOperation u when u.OperatorMethod is not null => MakesScalar(u.OperatorMethod, creators),
                    ICompoundAssignmentOperation c when c.OperatorMethod is not null => MakesScalar(c.OperatorMethod, creators),
                    _ => null,
                };
                if (problem is null) continue;
                var line = operation.Syntax.GetLocation().GetLineSpan();
                found.Add($"{Path.GetRelativePath(projectFolder, line.Path)}:{line.StartLinePosition.Line + 1}: {problem}: {operation.Syntax}");
            }
        }
        return found;
    }

    private static bool IsScalar(ITypeSymbol? type, INamedTypeSymbol scalar) => SymbolEqualityComparer.Default.Equals(type, scalar);

    private static bool IsToScalar(IMethodSymbol method) =>
        method.Name == "ToScalar" && method.ContainingAssembly?.Name == "TorchSharp";

    private static string? MakesScalar(IMethodSymbol method, TorchSharpScalarCreators creators) =>
        method.ContainingAssembly?.Name == "TorchSharp" && creators.Chain(method.OriginalDefinition.MetadataToken) is { } chain
            ? $"{method.ToDisplayString()} makes a Scalar inside TorchSharp ({chain})"
            : null;

    /// <summary>Whether <paramref name="node"/> is the whole initializer of a local declared with <c>using</c>.</summary>
    private static bool IsUsingInitializer(SyntaxNode node) =>
        node.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax declaration } }
        && (declaration.Parent is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: (int)SyntaxKind.UsingKeyword } || declaration.Parent is UsingStatementSyntax);

    private static IEnumerable<MetadataReference> References(string outputFolder, string assemblyName)
    {
        // The shared framework only: the rest of this process's trusted assemblies are the test's own (other versions).
        string runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetDirectoryName(p) == runtime).ToArray();
        var names = new HashSet<string>(platform.Select(p => Path.GetFileName(p)), StringComparer.OrdinalIgnoreCase);
        foreach (var path in platform) yield return MetadataReference.CreateFromFile(path);
        foreach (var path in Directory.GetFiles(outputFolder, "*.dll"))
        {
            string name = Path.GetFileName(path);
            if (names.Contains(name) || Path.GetFileNameWithoutExtension(name) == assemblyName || !IsManaged(path)) continue;
            names.Add(name);
            yield return MetadataReference.CreateFromFile(path);
        }
    }

    private static bool IsManaged(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        return pe.HasMetadata;
    }

    /// <summary>Files a project compiles from elsewhere (<c>&lt;Compile Include="../Other/File.cs" /&gt;</c>, with * patterns).</summary>
    private static IEnumerable<string> LinkedFiles(XDocument project, string projectFolder)
    {
        foreach (var include in project.Descendants("Compile").Select(c => c.Attribute("Include")?.Value).OfType<string>())
        {
            string full = Path.GetFullPath(Path.Combine(projectFolder, include));
            string folder = Path.GetDirectoryName(full)!, pattern = Path.GetFileName(full);
            if (!Directory.Exists(folder)) continue;
            foreach (var file in Directory.GetFiles(folder, pattern)) yield return file;
        }
    }
}
