namespace Dsno.Tests;

/// <summary>The checkout the tests run from (the folder with Dsno.MLNet.sln and .ci).</summary>
internal static class RepositoryRoot
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Dsno.MLNet.sln")) && Directory.Exists(Path.Combine(dir.FullName, ".ci")))
                return dir.FullName;
        throw new DirectoryNotFoundException($"no repository root above {AppContext.BaseDirectory}");
    }
}
