using System.Diagnostics;
using System.Globalization;

namespace Dsno.Bench;

/// <summary>
/// A claim file that lets several bench processes share the students stage (for example one per core at <c>--threads 1</c>: on the
/// 2-core machine about 1.35x the students per hour of one 2-thread process): the process that creates the file trains that run. A claim
/// whose process has gone is taken over; the run then resumes from its checkpoint.
/// </summary>
public sealed class RunClaim : IDisposable
{
    private readonly string _path;

    private RunClaim(string path) => _path = path;

    /// <summary>The claim on <paramref name="path"/>, or null while another live process holds it.</summary>
    public static RunClaim? TryTake(string path)
    {
        for (int attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                using (var writer = new StreamWriter(stream))
                    writer.Write(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
                return new RunClaim(path);
            }
            catch (IOException) when (File.Exists(path))
            {
                if (HolderAlive(path)) return null;
                BenchLog.Info($"claim {path}: its process has gone, taking it over");
                File.Delete(path);
            }
        }
        return null;
    }

    private static bool HolderAlive(string path)
    {
        string text;
        try { text = File.ReadAllText(path).Trim(); }
        catch (IOException) { return true; }
        // Being written this instant: young and empty counts as held.
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int pid))
            return DateTime.UtcNow - File.GetLastWriteTimeUtc(path) < TimeSpan.FromMinutes(1);
        if (pid == Environment.ProcessId) return false;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Releases the claim.</summary>
    public void Dispose() => File.Delete(_path);
}
