using System.Runtime.InteropServices;

namespace Dsno.Runtime;

/// <summary>
/// A file that is written whole or not at all: the content goes to a temporary file beside the target, which <see cref="Commit"/>
/// flushes to disk and renames over the target. Disposing without committing deletes the temporary file, so a failed or interrupted
/// write leaves the target as it was (absent, or the earlier file) and no temporary file behind. A killed process may leave one,
/// named <c>TARGET.PID.GUID.tmp</c>; a writer that owns its target (a checkpoint, a shard of its own range) removes such leftovers
/// with <see cref="DeleteLeftovers"/> before it writes. Writers of one target never share a temporary file.
/// </summary>
/// <example>
/// <code>
/// AtomicFile.Write("report.json", stream => JsonSerializer.Serialize(stream, report));
/// </code>
/// </example>
public sealed class AtomicFile : IDisposable
{
    private bool _committed, _disposed;

    /// <summary>Opens a new temporary file for <paramref name="path"/>, creating its folder when needed.</summary>
    /// <exception cref="IOException"><paramref name="path"/> is a folder, or the temporary file cannot be created.</exception>
    public AtomicFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(Path)) throw new IOException($"'{path}' is a folder, not a file");
        if (System.IO.Path.GetDirectoryName(Path) is { Length: > 0 } folder) Directory.CreateDirectory(folder);
        TemporaryPath = $"{Path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        Stream = new FileStream(TemporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None);
    }

    /// <summary>The target (a full path).</summary>
    public string Path { get; }

    /// <summary>The temporary file being written (renamed to <see cref="Path"/> by <see cref="Commit"/>).</summary>
    public string TemporaryPath { get; }

    /// <summary>The temporary file's stream. Writers may close it; <see cref="Commit"/> still flushes the file to disk.</summary>
    public FileStream Stream { get; }

    /// <summary>Flushes the temporary file to disk and renames it over <see cref="Path"/>.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed) throw new InvalidOperationException($"'{Path}' is already committed");
        if (Stream.CanWrite)
        {
            Stream.Flush(flushToDisk: true);
        }
        else
        {
            // The writer closed the stream: its data reached the file, and an fsync through a new handle puts it on disk.
            using var reopened = new FileStream(TemporaryPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            reopened.Flush(flushToDisk: true);
        }
        Stream.Dispose();
        File.Move(TemporaryPath, Path, overwrite: true);
        _committed = true;
    }

    /// <summary>Closes the stream; without a <see cref="Commit"/>, deletes the temporary file.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Stream.Dispose();
        if (_committed) return;
        try { File.Delete(TemporaryPath); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Writes <paramref name="path"/> whole or not at all with <paramref name="write"/>, which may close the stream.</summary>
    public static void Write(string path, Action<FileStream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var file = new AtomicFile(path);
        write(file.Stream);
        file.Commit();
    }

    /// <summary>
    /// Deletes the temporary files that writers of <paramref name="path"/> killed before they finished left beside it (any file named
    /// <c>NAME.*.tmp</c> in its folder). Only for a caller that is the one writer of <paramref name="path"/>: it would also delete the
    /// temporary file of a write in progress.
    /// </summary>
    public static void DeleteLeftovers(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = System.IO.Path.GetFullPath(path);
        string? folder = System.IO.Path.GetDirectoryName(full);
        if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder)) return;
        foreach (var leftover in Directory.GetFiles(folder, System.IO.Path.GetFileName(full) + ".*.tmp"))
            File.Delete(leftover);
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> whole or not at all.</summary>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Write(path, stream => stream.Write(bytes));
    }

    /// <summary>
    /// Creates <paramref name="path"/> with <paramref name="text"/> unless a file of that name exists, atomically also for processes on
    /// several machines sharing the folder: of writers racing to create it exactly one does, and the others find its file. Returns
    /// whether this call created it. The text is written whole under a temporary name and hard-linked to <paramref name="path"/>:
    /// link(2) fails when the name exists, atomically (also on NFS); a rename without overwrite checks and then renames, which two
    /// processes can both get through.
    /// </summary>
    /// <exception cref="IOException">The filesystem has no hard links (Unix), or the file cannot be written.</exception>
    public static bool CreateIfAbsent(string path, string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(text);
        string full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full)) return false;
        // A name of its own per call (machine, process and GUID): threads of one process and tasks on several machines may race here.
        string temp = $"{full}.{Environment.MachineName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temp, text);
        try
        {
            if (OperatingSystem.IsWindows())
            {
                try { File.Move(temp, full, overwrite: false); return true; }
                catch (IOException) when (File.Exists(full)) { return false; }
            }
            if (Link(temp, full) == 0) return true;
            if (File.Exists(full)) return false;
            throw new IOException($"cannot create '{full}' (link failed with errno {Marshal.GetLastPInvokeError()}): " +
                "the folder must be on a filesystem with hard links (local disks, NFS, Lustre, GPFS)");
        }
        finally { File.Delete(temp); }
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string existingPath, string newPath);
}
