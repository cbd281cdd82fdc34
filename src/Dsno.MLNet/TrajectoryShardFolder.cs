using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Dsno.Runtime;

namespace Dsno.MLNet;

/// <summary>
/// A folder of teacher trajectories as ML.NET binary (<c>.idv</c>) files, one per shard, with a manifest of the settings that made them
/// (<see cref="ManifestName"/>). Record i starts from row i of <c>ml.Data.GaussianNoise</c> for the folder's seed, so any range of records
/// can be made on its own: shard k holds records [k S, (k + 1) S) for the shard size S (cut at the ends of the requested range), and runs
/// over different seed ranges, on different machines or after an interruption produce the same files. <see cref="Write"/> writes only
/// the shards a range still misses; a shard is written under a temporary name and renamed when whole, so a file with a shard name is
/// always complete. Each shard also carries the manifest as the <see cref="SettingsAnnotation"/> annotation of its <c>Trajectory</c>
/// column, so a shard copied elsewhere is recognised on its own. <see cref="Load"/> reads the shards back as one data view for
/// <c>ml.Transforms.Dsno</c>. With a guidance range in the manifest (<see cref="Manifest.GuidanceRange"/>), record i is also solved at
/// its own classifier-free guidance scale, drawn for (seed, i), and the shards carry it in a <c>Guidance</c> column, from which
/// <c>ml.Transforms.Dsno</c> fits a w-conditioned operator.
/// </summary>
/// <remarks>
/// The core library has a shard format of its own (<c>Dsno.Data.TrajectoryShardSet</c>, <c>.dsnotraj</c> files) for code that trains
/// on tensors without ML.NET, such as the benchmark; this folder is the route for ML.NET pipelines and the <c>dsno</c> tool. Both draw
/// record i from the same noise (<c>Dsno.Data.GaussianNoise</c> for (seed, i)).
/// </remarks>
/// <example>
/// <code>
/// var teacher = ml.Model.Load("teacher.zip", out _);
/// var manifest = new TrajectoryShardFolder.Manifest(TrajectoryShardFolder.Sha256("teacher.zip"), "ddim", 8, times, Seed: 1,
///     ShardSize: 1024, Channels: 1, Height: 8, Width: 8, Classes: 0);
/// var folder = TrajectoryShardFolder.Open("trajectories", manifest);
/// folder.Write(ml, teacher, first: 0, count: 4096);            // rerun after an interruption: writes only what is missing
/// var dsno = ml.Transforms.Dsno(new DsnoOptions()).Fit(folder.Load(ml));
/// </code>
/// </example>
public sealed partial class TrajectoryShardFolder
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestName = "dsno-trajectories.json";

    /// <summary>The extension of the shard files (ML.NET binary data files).</summary>
    public const string Extension = ".idv";

    /// <summary>The annotation of each shard's <see cref="AnnotatedColumn"/> that holds the manifest as JSON text.</summary>
    public const string SettingsAnnotation = "DsnoTrajectorySettings";

    /// <summary>The column that carries <see cref="SettingsAnnotation"/>.</summary>
    public const string AnnotatedColumn = DsnoColumnNames.Trajectory;

    /// <summary>The folder format written now: version 2 added the settings annotation to every shard.</summary>
    public const int CurrentFormatVersion = 2;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private TrajectoryShardFolder(string path, Manifest settings)
    {
        Path = path;
        Settings = settings;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>The settings its records were made with (its manifest).</summary>
    public Manifest Settings { get; }

    /// <summary>The settings that decide the records' content; a folder holds records of one setting only.</summary>
    /// <param name="TeacherSha256">SHA-256 of the teacher's model file (<see cref="Sha256"/>), or another string that names the teacher.</param>
    /// <param name="Solver">The teacher's ODE solver, by name.</param>
    /// <param name="SolverSteps">Its steps.</param>
    /// <param name="Times">The frame times of the trajectories (the <c>Times</c> annotation of the teacher's output).</param>
    /// <param name="Seed">The noise seed: record i uses row i of <c>ml.Data.GaussianNoise</c> for this seed.</param>
    /// <param name="ShardSize">Records a shard.</param>
    /// <param name="Channels">Image channels.</param>
    /// <param name="Height">Image height.</param>
    /// <param name="Width">Image width.</param>
    /// <param name="Classes">Classes of a class-conditional teacher (the noise gets a <c>Label</c> column), or 0.</param>
    /// <param name="FormatVersion">The folder format (<see cref="CurrentFormatVersion"/>).</param>
    /// <param name="Guidance">The teacher's classifier-free guidance scale w (0: none).</param>
    /// <param name="GuidanceRange">Null (default) for one w per folder (<paramref name="Guidance"/>); or [min, max]: record i is solved at
    /// its own w, drawn uniformly from the range for (seed, i) (<see cref="DsnoDataCatalog.GuidanceOf"/>), and its shard holds it in a
    /// <see cref="DsnoColumnNames.Guidance"/> column, for a w-conditioned DSNO. Needs <paramref name="Classes"/> &gt; 0 and
    /// <paramref name="Guidance"/> = 0.</param>
    public sealed record Manifest(string TeacherSha256, string Solver, int SolverSteps, float[] Times, int Seed, int ShardSize, int Channels,
        int Height, int Width, int Classes, int FormatVersion = CurrentFormatVersion,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] float Guidance = 0,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float[]? GuidanceRange = null)
    {
        /// <summary>The first setting that differs from <paramref name="other"/>, described for people, or null when none does.</summary>
        public string? FirstDifference(Manifest other)
        {
            ArgumentNullException.ThrowIfNull(other);
            if (TeacherSha256 != other.TeacherSha256) return $"another teacher (SHA-256 {Short(other.TeacherSha256)}; this run's: {Short(TeacherSha256)})";
            if (Solver != other.Solver || SolverSteps != other.SolverSteps) return $"solver {other.Solver} with {other.SolverSteps} steps (this run: {Solver} with {SolverSteps})";
            if (!Times.SequenceEqual(other.Times)) return $"frame times {Format(other.Times)} (this run: {Format(Times)})";
            if (Seed != other.Seed) return $"seed {other.Seed} (this run: {Seed})";
            if (Guidance != other.Guidance || !SameRange(GuidanceRange, other.GuidanceRange)) return $"{other.DescribeGuidance()} (this run: {DescribeGuidance()})";
            if (ShardSize != other.ShardSize) return $"shard size {other.ShardSize} (this run: {ShardSize})";
            if (FormatVersion != other.FormatVersion) return $"format version {other.FormatVersion} (this run: {FormatVersion})";
            return null;
        }

        /// <summary>The guidance the records were solved with, for people: "guidance scale w = 2", or "guidance scales w drawn per record from [0, 4]".</summary>
        public string DescribeGuidance() => GuidanceRange is [var min, var max]
            ? string.Create(CultureInfo.InvariantCulture, $"guidance scales w drawn per record from [{min:R}, {max:R}]")
            : string.Create(CultureInfo.InvariantCulture, $"guidance scale w = {Guidance:R}");

        private static bool SameRange(float[]? a, float[]? b) => a is null ? b is null : b is not null && a.SequenceEqual(b);

        /// <summary>The manifest as JSON.</summary>
        public string ToJson(bool indented = false) => JsonSerializer.Serialize(this, indented ? Indented : JsonSerializerOptions.Default);

        /// <summary>Parses a manifest; null when the JSON is not one. Throws <see cref="JsonException"/> on malformed JSON.</summary>
        public static Manifest? FromJson(string json)
        {
            var manifest = JsonSerializer.Deserialize<Manifest>(json);
            return manifest is null || manifest.Times is null || manifest.TeacherSha256 is null || manifest.Solver is null ? null : manifest;
        }

        internal void Validate()
        {
            ArgumentException.ThrowIfNullOrEmpty(TeacherSha256, nameof(TeacherSha256));
            ArgumentException.ThrowIfNullOrEmpty(Solver, nameof(Solver));
            ArgumentNullException.ThrowIfNull(Times, nameof(Times));
            if (Times.Length < 2) throw new ArgumentException("a trajectory needs at least two frame times", nameof(Times));
            ArgumentOutOfRangeException.ThrowIfLessThan(SolverSteps, 1, nameof(SolverSteps));
            ArgumentOutOfRangeException.ThrowIfLessThan(ShardSize, 1, nameof(ShardSize));
            if (Channels < 1 || Height < 1 || Width < 1) throw new ArgumentOutOfRangeException(nameof(Channels), "image dimensions must be positive");
            ArgumentOutOfRangeException.ThrowIfNegative(Classes, nameof(Classes));
            if (!float.IsFinite(Guidance) || Guidance < 0) throw new ArgumentOutOfRangeException(nameof(Guidance), Guidance, "the guidance scale must be a finite number >= 0");
            if (GuidanceRange is null) return;
            if (GuidanceRange is not [var min, var max] || !float.IsFinite(min) || !float.IsFinite(max) || min < 0 || max < min)
                throw new ArgumentOutOfRangeException(nameof(GuidanceRange), $"the guidance range must be [min, max], finite, >= 0 and not reversed; got [{string.Join(", ", GuidanceRange)}]");
            if (Classes == 0) throw new ArgumentOutOfRangeException(nameof(GuidanceRange), "a guidance range needs a class-conditional teacher (Classes > 0)");
            if (Guidance != 0) throw new ArgumentOutOfRangeException(nameof(Guidance), Guidance, "give either one guidance scale or a guidance range, not both");
        }

        private static string Format(float[] t) => string.Join(",", t.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

        private static string Short(string hash) => hash.Length > 12 ? hash[..12] + "..." : hash;
    }

    /// <summary>A shard: its record range [<paramref name="First"/>, <paramref name="End"/>) and its file.</summary>
    public sealed record Shard(long First, long End, string File)
    {
        /// <summary>Records in the shard.</summary>
        public long Count => End - First;

        /// <summary>The file's name without its folder.</summary>
        public string Name => System.IO.Path.GetFileName(File);
    }

    /// <summary>
    /// Opens (creating it if needed) the folder for <paramref name="manifest"/>. Processes starting together on a fresh folder (the tasks of
    /// a job array) agree on one manifest: it is created only where none exists, and the others get the folder only with its settings.
    /// </summary>
    /// <exception cref="ArgumentException">The manifest holds a value out of range.</exception>
    /// <exception cref="IOException"><paramref name="path"/> is a file.</exception>
    /// <exception cref="InvalidDataException">The folder holds records made with other settings, or an unreadable manifest.</exception>
    public static TrajectoryShardFolder Open(string path, Manifest manifest)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(manifest);
        manifest.Validate();
        if (File.Exists(path)) throw new IOException($"'{path}' is a file; give a folder for the trajectory shards");
        Directory.CreateDirectory(path);
        string file = System.IO.Path.Combine(path, ManifestName);
        AtomicFile.CreateIfAbsent(file, manifest.ToJson(indented: true));
        var existing = ReadManifest(file);
        if (manifest.FirstDifference(existing) is { } difference)
            throw new InvalidDataException($"'{path}' holds trajectories made with {difference}; use another folder or the same settings");
        return new TrajectoryShardFolder(path, existing);
    }

    /// <summary>Opens a folder that holds a manifest (written by <see cref="Open"/>).</summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="path"/> is not a folder.</exception>
    /// <exception cref="InvalidDataException">The folder has no manifest, or an unreadable one.</exception>
    public static TrajectoryShardFolder OpenExisting(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"'{path}' is not a folder; give the folder the trajectory shards were written to");
        string file = System.IO.Path.Combine(path, ManifestName);
        if (!File.Exists(file)) throw new InvalidDataException($"'{path}' has no {ManifestName}: no trajectories have been written to it yet");
        return new TrajectoryShardFolder(path, ReadManifest(file));
    }

    private static Manifest ReadManifest(string file)
    {
        Manifest? manifest;
        try { manifest = Manifest.FromJson(File.ReadAllText(file)); }
        catch (JsonException e) { throw new InvalidDataException($"'{file}' is not a readable trajectory manifest ({OneLine(e.Message)}); delete it and the folder's shards, or use another folder", e); }
        return manifest ?? throw new InvalidDataException($"'{file}' is not a readable trajectory manifest; delete it and the folder's shards, or use another folder");
    }

    /// <summary>Every file with a shard name, by record range (overlaps included).</summary>
    public IReadOnlyList<Shard> Shards()
    {
        var shards = new List<Shard>();
        foreach (var file in Directory.GetFiles(Path, "trajectories-*" + Extension))
        {
            var m = ShardName().Match(System.IO.Path.GetFileName(file));
            if (!m.Success) continue;
            long first = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), end = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            if (end > first) shards.Add(new Shard(first, end, file));
        }
        shards.Sort((a, b) => a.First != b.First ? a.First.CompareTo(b.First) : a.End.CompareTo(b.End));
        return shards;
    }

    /// <summary>Pairs of shards whose record ranges overlap, of <paramref name="sorted"/> (sorted by first record).</summary>
    public static IReadOnlyList<(Shard First, Shard Second)> Overlaps(IReadOnlyList<Shard> sorted)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        var pairs = new List<(Shard, Shard)>();
        Shard? reach = null; // the shard reaching furthest so far
        foreach (var shard in sorted)
        {
            if (reach is not null && shard.First < reach.End) pairs.Add((reach, shard));
            if (reach is null || shard.End > reach.End) reach = shard;
        }
        return pairs;
    }

    /// <summary>The complete shards in the folder, by record range.</summary>
    /// <exception cref="InvalidDataException">Two shards overlap.</exception>
    public IReadOnlyList<Shard> CompleteShards()
    {
        var shards = Shards();
        if (Overlaps(shards) is [var (a, b), ..])
            throw new InvalidDataException($"shards '{a.File}' and '{b.File}' overlap; delete one of them and rerun");
        return shards;
    }

    /// <summary>
    /// The shards to write for records [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) beside
    /// <paramref name="present"/> (sorted by first record): the range minus the present shards, cut at multiples of the shard size.
    /// </summary>
    public IReadOnlyList<Shard> MissingFrom(IEnumerable<Shard> present, long first, long count)
    {
        ArgumentNullException.ThrowIfNull(present);
        CheckRange(first, count);
        long end = first + count;
        int shardSize = Settings.ShardSize;
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
                return $"is not a readable .idv file ({OneLine(e.Message)})";
            }
            if (rows != shard.Count) return string.Create(CultureInfo.InvariantCulture, $"holds {rows} records where its name promises {shard.Count}");
            if (recorded is null) return "records no generation settings (it was not written by this version of the trajectory writer)";
            return Settings.FirstDifference(recorded) is { } difference ? $"was made with {difference}" : null;
        }
        finally
        {
            // ML.NET's binary loader keeps its file open until disposed.
            (view as IDisposable)?.Dispose();
        }
    }

    /// <summary>Checks <paramref name="shards"/> with <see cref="ShardProblem"/>.</summary>
    /// <exception cref="InvalidDataException">Naming the first shard found wrong and what is wrong with it.</exception>
    public void VerifyShards(MLContext ml, IEnumerable<Shard> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        foreach (var shard in shards)
            if (ShardProblem(ml, shard) is { } problem)
                throw new InvalidDataException($"shard '{shard.File}' {problem}; delete it and rerun, or use another folder");
    }

    /// <summary>
    /// The verified complete shards that hold records of [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>),
    /// and the shards still to write for that range.
    /// </summary>
    /// <exception cref="InvalidDataException">Two shards overlap, or a shard in the range is unreadable or made with other settings.</exception>
    public (IReadOnlyList<Shard> Present, IReadOnlyList<Shard> Missing) Plan(MLContext ml, long first, long count)
    {
        CheckRange(first, count);
        var present = CompleteShards().Where(f => f.End > first && f.First < first + count).ToList();
        VerifyShards(ml, present);
        return (present, MissingFrom(present, first, count));
    }

    /// <summary>
    /// Writes the records [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) that no complete shard holds yet:
    /// each missing shard's noise rows go through <paramref name="teacher"/> (any transformer that reads <c>Noise</c>, and <c>Label</c> for
    /// a class-conditional folder, and adds a <c>Trajectory</c> column with the manifest's frame times, such as a diffusion teacher made
    /// with the manifest's settings), and the output is saved as the shard. Stopping in the middle loses at most the shard being written;
    /// rerunning writes the rest. Returns the number of records written.
    /// </summary>
    /// <param name="ml">The context.</param>
    /// <param name="teacher">Makes the trajectories from the noise.</param>
    /// <param name="first">First record of the range.</param>
    /// <param name="count">Records in the range.</param>
    /// <param name="progress">Told the records of the range on disk so far (present ones included), as the teacher makes them.</param>
    /// <param name="cancellationToken">Stops the writing with <see cref="OperationCanceledException"/>; complete shards stay.</param>
    /// <exception cref="InvalidDataException">A shard already in the range is bad (see <see cref="Plan"/>).</exception>
    /// <exception cref="ArgumentException">The teacher's output has no trajectory column with the manifest's frame times.</exception>
    public long Write(MLContext ml, ITransformer teacher, long first, long count, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var (_, missing) = Plan(ml, first, count);
        long done = count - missing.Sum(s => s.Count);
        progress?.Report(done);
        foreach (var shard in missing)
        {
            WriteShard(ml, teacher, shard, progress is null ? null : new Offset(progress, done), cancellationToken);
            done += shard.Count;
        }
        return missing.Sum(s => s.Count);
    }

    /// <summary>
    /// Writes one shard of <see cref="MissingFrom"/> (see <see cref="Write"/>): the file appears, whole, when every record is made.
    /// </summary>
    /// <param name="ml">The context.</param>
    /// <param name="teacher">Makes the trajectories from the noise.</param>
    /// <param name="shard">The shard: a record range within one multiple of the shard size, with its file in this folder.</param>
    /// <param name="progress">Told the records of the shard made so far.</param>
    /// <param name="cancellationToken">Stops the writing with <see cref="OperationCanceledException"/>; no file is left.</param>
    /// <exception cref="ArgumentException">The shard is not one of this folder's, or the teacher's output has no trajectory column with
    /// the manifest's frame times.</exception>
    public void WriteShard(MLContext ml, ITransformer teacher, Shard shard, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(shard);
        var s = Settings;
        if (shard.First < 0 || shard.Count < 1 || shard.Count > s.ShardSize || (shard.End - 1) / s.ShardSize != shard.First / s.ShardSize
            || System.IO.Path.GetFullPath(shard.File) != System.IO.Path.GetFullPath(ShardPath(shard.First, shard.End)))
            throw new ArgumentException($"{shard} is not a shard of this folder (records within one multiple of {s.ShardSize}, file '{ShardPath(shard.First, shard.End)}')", nameof(shard));
        // A teacher that does not read the per-record guidance column would solve every record at its own single w.
        if (s.GuidanceRange is not null && teacher is DiffusionTeacherTransformer { GuidanceColumnName: var column } && column != DsnoColumnNames.Guidance)
            throw new ArgumentException($"the folder's records are solved at per-record guidance scales, but the teacher reads them from '{column ?? "no column"}', not '{DsnoColumnNames.Guidance}'", nameof(teacher));
        var noise = ml.Data.GaussianNoise(new GaussianNoiseOptions
        {
            Rows = (int)shard.Count, FirstRow = shard.First, Channels = s.Channels, Height = s.Height, Width = s.Width, Seed = s.Seed,
            Classes = s.Classes > 0 ? s.Classes : null, Progress = progress, CancellationToken = cancellationToken,
            GuidanceRange = s.GuidanceRange is [var min, var max] ? (min, max) : null,
        });
        var output = teacher.Transform(noise);
        CheckTimes(output.Schema);
        // The settings go into the shard itself.
        var records = new AnnotatedDataView(output, AnnotatedColumn, SettingsAnnotation, s.ToJson());
        ml.Data.SaveAsDeterministicBinary(records, shard.File, cancellationToken);
    }

    private void CheckTimes(DataViewSchema schema)
    {
        if (schema.GetColumnOrNull(AnnotatedColumn) is not { } column)
            throw new ArgumentException($"the teacher adds no '{AnnotatedColumn}' column", "teacher");
        var times = Times(column);
        if (times is null || !times.SequenceEqual(Settings.Times))
            throw new ArgumentException($"the teacher records frame times {(times is null ? "none" : string.Join(",", times))}, but the folder's manifest says {string.Join(",", Settings.Times)}", "teacher");
    }

    /// <summary>
    /// The folder's complete shards as one data view (streaming; shuffled cursors interleave the shards), after checking each of them
    /// (<see cref="Plan"/>'s checks, over all the shards).
    /// </summary>
    /// <exception cref="InvalidDataException">No shard, overlapping shards, or a bad one.</exception>
    public IDataView Load(MLContext ml)
    {
        ArgumentNullException.ThrowIfNull(ml);
        var shards = CompleteShards();
        if (shards.Count == 0) throw new InvalidDataException($"'{Path}' holds no trajectory shards yet");
        VerifyShards(ml, shards);
        return LoadFiles(ml, shards.Select(s => s.File).ToList());
    }

    /// <summary>
    /// Several <c>.idv</c> files as one streaming data view, the rows of each file after the previous file's (a shuffled cursor visits
    /// the files in a random order, drawing rows from a few open files at a time). Empty files are skipped.
    /// </summary>
    /// <param name="ml">The context.</param>
    /// <param name="files">The files, for example the shards of several folders.</param>
    /// <param name="columns">Columns every file must have, of the same type (and, for a trajectory column, the same frame times) as in the
    /// first; default <c>Noise</c> and <c>Trajectory</c>.</param>
    /// <exception cref="InvalidDataException">Naming the file: unreadable, without a column, with another type or frame times than the
    /// first file, with a per-record <c>Guidance</c> column where the first has none or the other way round, or made from another teacher (by its <see cref="SettingsAnnotation"/>); or no file holds a row.</exception>
    public static IDataView LoadFiles(MLContext ml, IReadOnlyList<string> files, IReadOnlyList<string>? columns = null)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0) throw new ArgumentException("give at least one file", nameof(files));
        columns ??= new[] { DsnoColumnNames.Noise, DsnoColumnNames.Trajectory };
        var views = new List<(IDataView View, string File)>();
        (string File, string Teacher)? firstTeacher = null;
        foreach (var file in files)
        {
            IDataView view;
            long rows;
            try
            {
                view = ml.Data.LoadFromBinary(file);
                rows = ColumnReaders.RowCount(view);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new InvalidDataException($"'{file}' is not a readable ML.NET binary (.idv) file ({OneLine(e.Message)})", e);
            }
            foreach (var column in columns)
                if (view.Schema.GetColumnOrNull(column) is null)
                    throw new InvalidDataException($"'{file}' has no '{column}' column; give trajectory files");
            // Shards record their teacher's SHA-256: records of two teachers are not one training set.
            if (ReadShardSettings(view)?.TeacherSha256 is { } teacher)
            {
                firstTeacher ??= (file, teacher);
                if (teacher != firstTeacher.Value.Teacher)
                    throw new InvalidDataException($"'{file}' was generated from another teacher than '{firstTeacher.Value.File}' (SHA-256 {teacher[..Math.Min(12, teacher.Length)]}..., not {firstTeacher.Value.Teacher[..Math.Min(12, firstTeacher.Value.Teacher.Length)]}...); use the trajectories of one teacher");
            }
            if (rows == 0) continue;
            if (views.Count > 0) CheckSameColumns(views[0].View, views[0].File, view, file, columns);
            views.Add((view, file));
        }
        if (views.Count == 0) throw new InvalidDataException($"the {files.Count} file(s) hold no rows");
        return views.Count == 1 ? views[0].View : new ConcatenatedDataView(views.Select(v => v.View).ToList());
    }

    /// <summary>Temporary files left by writers that stopped before renaming (harmless: the next write of their shard removes them).</summary>
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

    /// <summary>The file of the shard holding records [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public string ShardPath(long start, long end) =>
        System.IO.Path.Combine(Path, string.Create(CultureInfo.InvariantCulture, $"trajectories-{start:D12}-{end:D12}{Extension}"));

    /// <summary>SHA-256 of a file (a teacher's model file, for <see cref="Manifest.TeacherSha256"/>), in hex.</summary>
    public static string Sha256(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    private static void CheckRange(long first, long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (first > long.MaxValue - count) throw new ArgumentOutOfRangeException(nameof(count), count, "the range's end is too large");
    }

    private static void CheckSameColumns(IDataView first, string firstFile, IDataView other, string otherFile, IReadOnlyList<string> columns)
    {
        // Records solved at per-record guidance scales (a w-conditioned training set) and records of one w are not one training set.
        bool firstGuided = first.Schema.GetColumnOrNull(DsnoColumnNames.Guidance) is not null;
        if (firstGuided != (other.Schema.GetColumnOrNull(DsnoColumnNames.Guidance) is not null))
            throw new InvalidDataException($"'{(firstGuided ? firstFile : otherFile)}' holds per-record guidance scales (a '{DsnoColumnNames.Guidance}' column) but " +
                $"'{(firstGuided ? otherFile : firstFile)}' does not; use trajectories made with one kind of guidance ('dsno trajectories --guidance-range' or --guidance)");
        foreach (var name in columns)
        {
            var a = first.Schema[name];
            var b = other.Schema[name];
            if (!a.Type.Equals(b.Type))
                throw new InvalidDataException($"'{otherFile}' column '{name}' is {b.Type}, but '{firstFile}' has {a.Type}; use files made with the same teacher and frames");
            var ta = Times(a);
            var tb = Times(b);
            if ((ta is null) != (tb is null) || (ta is not null && !ta.SequenceEqual(tb!)))
                throw new InvalidDataException($"'{otherFile}' records frames at other times than '{firstFile}'; use files made with the same frame times");
        }
    }

    private static float[]? Times(DataViewSchema.Column column) => column.Annotations.Schema.GetColumnOrNull(TrajectoryAnnotations.Times) is null
        ? null
        : SchemaChecks.RequireFloatVectorAnnotation(column, TrajectoryAnnotations.Times);

    private static string OneLine(string message) => Whitespace().Replace(message ?? "", " ").Trim();

    // Reports a shard's progress as the range's.
    private sealed class Offset(IProgress<long> range, long before) : IProgress<long>
    {
        public void Report(long value) => range.Report(before + value);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^trajectories-(\d{12,19})-(\d{12,19})\.idv$")]
    private static partial Regex ShardName();
}
