using System.Text.RegularExpressions;

namespace Dsno.Tests.Examples;

/// <summary>README.md says what the repository does: its code sample compiles, its commands and pictures exist.</summary>
public class ReadmeTests
{
    private static readonly string Root = BuiltProgram.RepositoryRoot();

    [Fact]
    public void TheCodeSampleIsTheCompiledOne()
    {
        var compiled = Between(File.ReadAllLines(Path.Combine(Root, "tests", "Dsno.Tests", "Examples", "ReadmeSample.cs")),
            "// README sample begins", "// README sample ends");
        var blocks = CodeBlocks(Readme(), "csharp");
        Assert.Contains(blocks, block => Normalised(block).SequenceEqual(Normalised(compiled)));
    }

    [Fact]
    public void TheTestCommandIsTheOneCiRuns()
    {
        var ci = File.ReadAllLines(Path.Combine(Root, ".ci", "run")).Single(l => l.TrimStart().StartsWith("dotnet test ", StringComparison.Ordinal));
        string command = ci.Trim().Split(" 2>&1", 2)[0].Trim();
        Assert.Contains(command, CodeBlocks(Readme(), "bash").SelectMany(b => b).Select(l => l.Trim()));
    }

    [Fact]
    public void TheFirstCommandRunsTheQuickStartAndEveryLinkedFileExists()
    {
        string readme = Readme();
        var firstCommand = CodeBlocks(readme, "bash").SelectMany(b => b).First(l => l.TrimStart().StartsWith("dotnet ", StringComparison.Ordinal));
        Assert.Equal("dotnet run -c Release --project examples/QuickStart", firstCommand.Trim());
        Assert.Single(Directory.GetFiles(Path.Combine(Root, "examples", "QuickStart"), "*.csproj")); // what dotnet run --project builds
        // Relative links and pictures, apart from docs/benchmarks.md, which another part of the project writes.
        foreach (Match link in Regex.Matches(readme, @"\]\((?!https?:|#)([^)\s#]+)"))
        {
            string target = link.Groups[1].Value;
            if (target == "docs/benchmarks.md") continue;
            Assert.True(File.Exists(Path.Combine(Root, target)) || Directory.Exists(Path.Combine(Root, target)), $"README links to a missing {target}");
        }
    }

    private static string Readme() => File.ReadAllText(Path.Combine(Root, "README.md"));

    private static List<string[]> CodeBlocks(string markdown, string language)
    {
        var blocks = new List<string[]>();
        var lines = markdown.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```" + language) continue;
            int end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
            Assert.True(end > i, $"unclosed {language} block in README.md");
            blocks.Add(lines[(i + 1)..end]);
            i = end;
        }
        return blocks;
    }

    private static string[] Between(string[] lines, string begin, string end)
    {
        int a = Array.FindIndex(lines, l => l.Trim() == begin), b = Array.FindIndex(lines, l => l.Trim() == end);
        Assert.True(a >= 0 && b > a, "markers not found in ReadmeSample.cs");
        return lines[(a + 1)..b];
    }

    // Compared without indentation and blank lines; everything else must match.
    private static string[] Normalised(IEnumerable<string> lines) => lines.Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
}
