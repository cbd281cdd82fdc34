namespace Dsno.Bench;

/// <summary>
/// Replaces one data set's section of the benchmarks file, between <c>&lt;!-- dsno-bench:NAME:begin --&gt;</c> and
/// <c>&lt;!-- dsno-bench:NAME:end --&gt;</c>, leaving everything else in the file (other data sets, other people's sections) as it was.
/// </summary>
public static class ReportSection
{
    /// <summary>The opening marker.</summary>
    public static string Begin(string name) => $"<!-- dsno-bench:{name}:begin -->";
    /// <summary>The closing marker.</summary>
    public static string End(string name) => $"<!-- dsno-bench:{name}:end -->";

    /// <summary>Writes <paramref name="body"/> as the section <paramref name="name"/> of <paramref name="path"/>.</summary>
    public static void Replace(string path, string name, string body, string fileHeader)
    {
        // Runs of different data sets may finish together: hold an exclusive lock file across the read-modify-write.
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var gate = AcquireLock(path + ".lock");
        string begin = Begin(name), end = End(name);
        string section = begin + "\n" + body.TrimEnd() + "\n" + end;
        string text = File.Exists(path) ? File.ReadAllText(path) : fileHeader.TrimEnd() + "\n";
        int start = text.IndexOf(begin, StringComparison.Ordinal);
        int stop = text.IndexOf(end, StringComparison.Ordinal);
        if (start >= 0 && stop > start)
            text = text[..start] + section + text[(stop + end.Length)..];
        else if (start >= 0 || stop >= 0)
            throw new InvalidDataException($"{path} has an unmatched marker of section '{name}'; fix the markers by hand");
        else
            text = text.TrimEnd() + "\n\n" + section + "\n";
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static FileStream AcquireLock(string lockPath)
    {
        for (int attempt = 0; ; attempt++)
        {
            try { return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose); }
            catch (IOException) when (attempt < 600) { Thread.Sleep(100); }
        }
    }
}
