namespace Dsno.Tests;

/// <summary>A fresh folder under <c>$TMPDIR/dsno-tests</c>, deleted on dispose (best effort).</summary>
internal sealed class TempFolder : IDisposable
{
    /// <summary>The folder every test's temporary files live under.</summary>
    public static readonly string Root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dsno-tests");

    public TempFolder()
    {
        Path = NewPath();
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Creates a fresh folder that the caller leaves behind (for tests whose files outlive a using block).</summary>
    public static string NewPath()
    {
        string path = System.IO.Path.Combine(Root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        // A file still open elsewhere only leaves a temporary folder behind.
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
