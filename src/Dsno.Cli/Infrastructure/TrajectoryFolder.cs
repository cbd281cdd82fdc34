using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dsno.Cli.Infrastructure;

/// <summary>
/// The output folder of <c>dsno trajectories</c>: one <c>.idv</c> file per shard, named by its record range, a manifest of the settings
/// that made them, and, when job-array tasks wrote it, their layout. Shard k holds records [k S, (k + 1) S) (cut at the ends of the
/// requested range), so runs over different seed ranges, on different machines or after an interruption, produce the same files; a shard
/// is written to a temporary name and renamed when complete, so a file with a shard name is always whole. Each shard also carries the
/// manifest (teacher SHA-256, solver, frame times, seed) as an annotation of its <c>Trajectory</c> column, so a shard made elsewhere is
/// recognised on its own.
/// </summary>
public sealed partial class TrajectoryFolder
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestName = "dsno-trajectories.json";

    /// <summary>The task layout's file name (written by the first job-array task).</summary>
    public const string LayoutName = "dsno-tasks.json";

    /// <summary>The annotation of each shard's <see cref="AnnotatedColumn"/> that holds the manifest as JSON.</summary>
    public const string SettingsAnnotation = "DsnoTrajectorySettings";

    /// <summary>The column that carries <see cref="SettingsAnnotation"/>.</summary>
    public const string AnnotatedColumn = DsnoColumnNames.Trajectory;

    /// <summary>The folder format written now: version 2 added the settings annotation to every shard.</summary>
    public const int CurrentFormatVersion = 2;

    private const int NamesInMessages = 4;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private TrajectoryFolder(string path, Manifest settings)
    {
        Path = path;
        Settings = settings;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>The settings its records were made with (its manifest).</summary>
    public Manifest Settings { get; }

    /// <summary>The settings that decide the records' content; a folder holds records of one setting only.</summary>
    public sealed record Manifest(string TeacherSha256, string Solver, int SolverSteps, float[] Times, int Seed, int ShardSize, int Channels,
        int Height, int Width, int Classes, int FormatVersion = CurrentFormatVersion,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)] float Guidance = 0)
    {
        /// <summary>The first setting that differs from <paramref name="other"/>, described for people, or null when none does.</summary>
        public string? FirstDifference(Manifest other)
        {
            ArgumentNullException.ThrowIfNull(other);
            if (TeacherSha256 != other.TeacherSha256) return $"another teacher (SHA-256 {Short(other.TeacherSha256)}; this run's: {Short(TeacherSha256)})";
            if (Solver != other.Solver || SolverSteps != other.SolverSteps) return $"solver {other.Solver} with {other.SolverSteps} steps (this run: {Solver} with {SolverSteps})";
            if (!Times.SequenceEqual(other.Times)) return $"frame times {Format(other.Times)} (this run: {Format(Times)})";
            if (Seed != other.Seed) return $"seed {other.Seed} (this run: {Seed})";
            if (Guidance != other.Guidance) return $"guidance scale w = {other.Guidance} (this run: {Guidance})";
            if (ShardSize != other.ShardSize) return $"shard size {other.ShardSize} (this run: {ShardSize})";
            if (FormatVersion != other.FormatVersion) return $"format version {other.FormatVersion} (this run: {FormatVersion})";
            return null;
        }

        /// <summary>The manifest as JSON.</summary>
        public string ToJson(bool indented = false) => JsonSerializer.Serialize(this, indented ? Indented : JsonSerializerOptions.Default);

        /// <summary>Parses a manifest; null when the JSON is not one. Throws <see cref="JsonException"/> on malformed JSON.</summary>
        public static Manifest? FromJson(string json)
        {
            var manifest = JsonSerializer.Deserialize<Manifest>(json);
            return manifest is null || manifest.Times is null || manifest.TeacherSha256 is null || manifest.Solver is null ? null : manifest;
        }

        private static string Format(float[] t) => string.Join(",", t.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

        private static string Short(string hash) => hash.Length > 12 ? hash[..12] + "..." : hash;
    }

    /// <summary>A shard: its record range and file.</summary>
    public sealed record Shard(long First, long End, string File)
    {
        /// <summary>Records in the shard.</summary>
        public long Count => End - First;

        /// <summary>The file's name without its folder.</summary>
        public string Name => System.IO.Path.GetFileName(File);
    }

    /// <summary>
    /// Opens (creating it if needed) the folder for <paramref name="manifest"/>: bad input when it holds records made with other settings.
    /// Concurrent first runs (the tasks of an array starting together) agree on one manifest: it is created only where none exists.
    /// </summary>
    public static TrajectoryFolder Open(string path, Manifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (File.Exists(path)) throw new BadInputException($"--out '{path}' is a file; give a folder for the trajectory shards");
        Directory.CreateDirectory(path);
        string file = System.IO.Path.Combine(path, ManifestName);
        if (!File.Exists(file)) CreateIfAbsent(file, manifest.ToJson(indented: true));
        var existing = ReadManifest(file);
        if (manifest.FirstDifference(existing) is { } difference)
            throw new BadInputException($"--out '{path}' holds trajectories made with {difference}; use another --out folder or the same settings");
        return new TrajectoryFolder(path, existing);
    }

    /// <summary>Opens a folder that <c>dsno trajectories</c> wrote to: bad input when it or its manifest is missing.</summary>
    public static TrajectoryFolder OpenExisting(string path)
    {
        if (!Directory.Exists(path)) throw new BadInputException($"--out '{path}' is not a folder; give the folder 'dsno trajectories' wrote its shards to");
        string file = System.IO.Path.Combine(path, ManifestName);
        if (!File.Exists(file))
            throw new BadInputException($"'{path}' has no {ManifestName}: no 'dsno trajectories' run has written to it yet");
        return new TrajectoryFolder(path, ReadManifest(file));
    }

    private static Manifest ReadManifest(string file)
    {
        Manifest? manifest;
        try { manifest = Manifest.FromJson(File.ReadAllText(file)); }
        catch (JsonException e) { throw new BadInputException($"'{file}' is not a readable trajectory manifest ({ErrorMapper.OneLine(e.Message)}); delete it and the folder's shards, or use another --out", e); }
        return manifest ?? throw new BadInputException($"'{file}' is not a readable trajectory manifest; delete it and the folder's shards, or use another --out");
    }

    /// <summary>The task layout recorded by job-array tasks, or null when no task wrote here.</summary>
    public TaskLayout? ReadLayout()
    {
        string file = System.IO.Path.Combine(Path, LayoutName);
        if (!File.Exists(file)) return null;
        try
        {
            var layout = JsonSerializer.Deserialize<TaskLayout>(File.ReadAllText(file));
            if (layout is { Count: > 0, TaskCount: > 0, First: >= 0 }) return layout;
        }
        catch (JsonException) { }
        throw new BadInputException($"'{file}' is not a readable task layout; delete it (the shards stay valid) and rerun the tasks");
    }

    /// <summary>
    /// Records <paramref name="layout"/> for a job-array task, or checks it against the one recorded: tasks of another layout (another
    /// task count or record range) are refused, naming the shards already written, so that two splittings of the work never share a folder.
    /// </summary>
    public void RecordLayout(TaskLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        string file = System.IO.Path.Combine(Path, LayoutName);
        if (!File.Exists(file)) CreateIfAbsent(file, JsonSerializer.Serialize(layout, Indented));
        var recorded = ReadLayout()!;
        if (recorded == layout) return;
        var written = Shards();
        string shards = written.Count == 0 ? "no shards yet" : $"shards {Names(written)}";
        throw new BadInputException(
            $"--out '{Path}' is laid out for {recorded} ({LayoutName}; {shards}), but this task belongs to {layout}; " +
            string.Create(CultureInfo.InvariantCulture, $"rerun with --first {recorded.First} --count {recorded.Count} --task-count {recorded.TaskCount}, or use another --out"));
    }

    /// <summary>Every file with a shard name, by record range (overlaps included).</summary>
    public IReadOnlyList<Shard> Shards()
    {
        var shards = new List<Shard>();
        foreach (var file in Directory.GetFiles(Path, "trajectories-*" + TrajectoryFiles.Extension))
        {
            var m = ShardName().Match(System.IO.Path.GetFileName(file));
            if (!m.Success) continue;
            long first = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), end = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            if (end > first) shards.Add(new Shard(first, end, file));
        }
        shards.Sort((a, b) => a.First != b.First ? a.First.CompareTo(b.First) : a.End.CompareTo(b.End));
        return shards;
    }

    /// <summary>Pairs of shards whose record ranges overlap.</summary>
    public static IReadOnlyList<(Shard First, Shard Second)> Overlaps(IReadOnlyList<Shard> sorted)
    {
        var pairs = new List<(Shard, Shard)>();
        Shard? reach = null; // the shard reaching furthest so far
        foreach (var shard in sorted)
        {
            if (reach is not null && shard.First < reach.End) pairs.Add((reach, shard));
            if (reach is null || shard.End > reach.End) reach = shard;
        }
        return pairs;
    }

    /// <summary>The complete shards in the folder, by record range; bad input when two overlap.</summary>
    public IReadOnlyList<Shard> CompleteShards()
    {
        var shards = Shards();
        if (Overlaps(shards) is [var (a, b), ..])
            throw new BadInputException($"shards '{a.File}' and '{b.File}' overlap; delete one of them and rerun");
        return shards;
    }

    /// <summary>
    /// The shards still to write for records [first, first + count): the range minus the complete shards, cut at multiples of
    /// <paramref name="shardSize"/>.
    /// </summary>
    public IReadOnlyList<Shard> Missing(long first, long count, int shardSize) => MissingFrom(CompleteShards(), first, count, shardSize);

    /// <summary>The shards to write for records [first, first + count) beside <paramref name="present"/> (sorted by first record).</summary>
    public IReadOnlyList<Shard> MissingFrom(IEnumerable<Shard> present, long first, long count, int shardSize)
    {
        long end = first + count;
        var todo = new List<Shard>();
        long at = first;
        foreach (var done in present.Where(s => s.End > first && s.First < end).Append(new Shard(end, end, "")))
        {
            for (long start = at; start < Math.Min(done.First, end);)
            {
                long stop = Math.Min(Math.Min(done.First, end), (start / shardSize + 1) * shardSize);
                todo.Add(new Shard(start, stop, ShardPath(start, stop)));
                start = stop;
            }
            at = Math.Max(at, done.End);
        }
        return todo;
    }

    /// <summary>
    /// What is wrong with a shard file, or null when nothing is: unreadable, a row count other than its name's range, or settings other
    /// than the folder's (another teacher, solver, times or seed).
    /// </summary>
    public string? ShardProblem(MLContext ml, Shard shard)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(shard);
        IDataView? view = null;
        try
        {
            long? rows;
            Manifest? recorded;
            try
            {
                view = ml.Data.LoadFromBinary(shard.File);
                rows = view.GetRowCount();
                recorded = ReadShardSettings(view);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return $"is not a readable .idv file ({ErrorMapper.OneLine(e.Message)})";
            }
            if (rows != shard.Count) return string.Create(CultureInfo.InvariantCulture, $"holds {rows} records where its name promises {shard.Count}");
            if (recorded is null) return "records no generation settings (it was not written by this version of 'dsno trajectories')";
            return Settings.FirstDifference(recorded) is { } difference ? $"was made with {difference}" : null;
        }
        finally
        {
            // ML.NET's binary loader keeps its file open until disposed.
            (view as IDisposable)?.Dispose();
        }
    }

    /// <summary>Bad input naming the first of <paramref name="shards"/> that <see cref="ShardProblem"/> finds wrong.</summary>
    public void VerifyShards(MLContext ml, IEnumerable<Shard> shards)
    {
        foreach (var shard in shards)
            if (ShardProblem(ml, shard) is { } problem)
                throw new BadInputException($"shard '{shard.File}' {problem}; delete it and rerun, or use another --out");
    }

    /// <summary>Files left by writers that stopped before renaming (harmless: the next run over their range removes them).</summary>
    public IReadOnlyList<string> PartialFiles() =>
        Directory.GetFiles(Path, "*.tmp").OrderBy(f => f, StringComparer.Ordinal).ToList();

    /// <summary>The settings recorded in a shard's <see cref="AnnotatedColumn"/>, or null when it records none.</summary>
    public static Manifest? ReadShardSettings(IDataView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (view.Schema.GetColumnOrNull(AnnotatedColumn) is not { } column) return null;
        if (column.Annotations.Schema.GetColumnOrNull(SettingsAnnotation) is not { Type: TextDataViewType }) return null;
        ReadOnlyMemory<char> text = default;
        column.Annotations.GetValue(SettingsAnnotation, ref text);
        try { return Manifest.FromJson(text.ToString()); }
        catch (JsonException) { return null; }
    }

    /// <summary>The file of the shard holding records [start, end).</summary>
    public string ShardPath(long start, long end) =>
        System.IO.Path.Combine(Path, string.Create(CultureInfo.InvariantCulture, $"trajectories-{start:D12}-{end:D12}{TrajectoryFiles.Extension}"));

    /// <summary>A suffix for a file being written, unique to this process on this machine (tasks on several machines share one folder).</summary>
    public static string TemporarySuffix => string.Create(CultureInfo.InvariantCulture, $".{Environment.MachineName}.{Environment.ProcessId}.tmp");

    /// <summary>"a, b, c and 5 more": the first few shard names.</summary>
    public static string Names(IReadOnlyCollection<Shard> shards) =>
        string.Join(", ", shards.Take(NamesInMessages).Select(s => s.Name)) + (shards.Count > NamesInMessages ? $" and {shards.Count - NamesInMessages} more" : "");

    /// <summary>SHA-256 of a file, hex.</summary>
    public static string Sha256(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    // Written whole under a temporary name, then hard-linked to its name: link(2) fails when the name exists, atomically (also on NFS),
    // so of tasks racing to create the file exactly one does and the others read its file. (File.Move without overwrite checks for the
    // name and then renames, which two processes can both get through.)
    private static void CreateIfAbsent(string file, string text)
    {
        // A name of its own per call, not only per process: threads of one process may race here too.
        string temp = file + "." + Guid.NewGuid().ToString("N") + TemporarySuffix;
        File.WriteAllText(temp, text);
        try
        {
            if (OperatingSystem.IsWindows())
            {
                try { File.Move(temp, file, overwrite: false); }
                catch (IOException) when (File.Exists(file)) { }
            }
            else if (Link(temp, file) != 0 && !File.Exists(file))
            {
                throw new BadInputException($"cannot create '{file}' (link failed with errno {Marshal.GetLastPInvokeError()}): " +
                    "the trajectory folder must be on a filesystem with hard links (local disks, NFS, Lustre, GPFS)");
            }
        }
        finally { File.Delete(temp); }
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string existingPath, string newPath);

    [GeneratedRegex(@"^trajectories-(\d{12,19})-(\d{12,19})\.idv$")]
    private static partial Regex ShardName();
}
