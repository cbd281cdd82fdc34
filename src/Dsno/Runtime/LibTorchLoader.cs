using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dsno.Runtime;

/// <summary>
/// Makes TorchSharp's native library loadable on Linux distributions whose libstdc++ is older than the one it was linked with.
/// </summary>
/// <remarks>
/// <para>
/// <c>libLibTorchSharp.so</c> from TorchSharp 0.107.0 asks for the symbol version <c>GLIBCXX_3.4.32</c> (GCC 13). Debian 12 ships GCC 12's
/// libstdc++ (up to <c>GLIBCXX_3.4.30</c>), so the first torch call fails with <see cref="DllNotFoundException"/>. The only symbol behind
/// that version is <c>_ZSt21ios_base_library_initv</c>, a marker that nothing relocates against. Marking that one version-need entry weak
/// (<c>VER_FLG_WEAK</c> in the <c>SHT_GNU_verneed</c> section) lets the dynamic loader accept the library; libtorch itself is unaffected.
/// </para>
/// <para>
/// This runs once per process, before the first torch call: from this assembly's module initializer and from the module initializer
/// that <c>Dsno.targets</c> adds to every app and test that references Dsno. It first tries to load the library as it is and changes
/// nothing when that works (newer distributions, Windows, macOS). Otherwise it patches the copy in the application's output folder
/// (never the NuGet cache), writing a new file and renaming it over the old one so that no process ever sees half a file.
/// </para>
/// </remarks>
public static class LibTorchLoader
{
    private const string LibraryFileName = "libLibTorchSharp.so";
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private static readonly object Gate = new();
    private static bool _done;

    /// <summary>What <see cref="EnsureLoadable"/> did about OpenMP's wait policy (see <see cref="OpenMpWaitPolicy"/>).</summary>
    public static string WaitPolicy { get; private set; } = "not set";

    /// <summary>What the last <see cref="EnsureLoadable"/> found or did, for diagnostics and tests.</summary>
    public static string Status { get; private set; } = "not run";

#pragma warning disable CA2255 // this library's own entry points may be the first to touch torch
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void OnLoad() => EnsureLoadable();

    /// <summary>Checks that the native TorchSharp library loads, and applies the fix described above when it does not. Idempotent.</summary>
    public static void EnsureLoadable()
    {
        lock (Gate)
        {
            if (_done) return;
            _done = true;
            if (!OperatingSystem.IsLinux())
            {
                Status = "not Linux: nothing to do";
                return;
            }
            try
            {
                // Before anything loads libtorch (and with it libgomp, which reads its settings once).
                WaitPolicy = OpenMpWaitPolicy.Apply();
                Status = Run();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                // A module initializer must not throw; TorchSharp will raise its own error, and this explains why.
                Status = $"could not apply the libtorch loading fix: {e.Message}";
                Console.Error.WriteLine($"Dsno: {Status}");
            }
        }
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static string Run()
    {
        var candidates = CandidatePaths().Where(File.Exists).Distinct().ToList();
        if (candidates.Count == 0) return $"{LibraryFileName} not found next to the application: nothing to do";
        var notes = new List<string>();
        foreach (var path in candidates)
        {
            if (NativeLibrary.TryLoad(path, out var handle))
            {
                // Loaded as shipped (or already fixed). Keep it loaded: TorchSharp will load the same file.
                NativeLibrary.Free(handle);
                notes.Add($"{path}: loads as it is");
                continue;
            }
            if (ElfVersionNeeds.MarkWeak(path, MissingVersion))
                notes.Add($"{path}: marked {MissingVersion} weak");
            else
                notes.Add($"{path}: does not load, and {MissingVersion} is not the reason");
        }
        return string.Join("; ", notes);
    }

    private static IEnumerable<string> CandidatePaths()
    {
        var roots = new List<string> { AppContext.BaseDirectory };
        var torchDir = Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchDir)) roots.Add(torchDir);
        foreach (var root in roots)
        {
            yield return Path.Combine(root, LibraryFileName);
            yield return Path.Combine(root, "runtimes", "linux-x64", "native", LibraryFileName);
        }
    }
}
