using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dsno.Cli.Infrastructure;

/// <summary>
/// The output folder of <c>dsno trajectories</c>: one <c>.idv</c> file per shard, named by its record range, and a manifest of the settings
/// that made them. Shard k holds records [k S, (k + 1) S) (cut at the ends of the requested range), so runs over different seed ranges,
/// on different machines or after an interruption, produce the same files; a shard is written to a temporary name and renamed when
/// complete, so a file with a shard name is always whole.
/// </summary>
public sealed partial class TrajectoryFolder
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestName = "dsno-trajectories.json";

    private TrajectoryFolder(string path) => Path = path;

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>The settings that decide the records' content; a folder holds records of one setting only.</summary>
    public sealed record Manifest(string TeacherSha256, string Solver, int SolverSteps, float[] Times, int Seed, int ShardSize, int Channels,
        int Height, int Width, int Classes, int FormatVersion = 1)
    {
        /// <summary>The first setting that differs from <paramref name="other"/>, described for people, or null when none does.</summary>
        public string? FirstDifference(Manifest other)
        {
            if (TeacherSha256 != other.TeacherSha256) return "another teacher";
            if (Solver != other.Solver || SolverSteps != other.SolverSteps) return $"solver {other.Solver} with {other.SolverSteps} steps (this run: {Solver} with {SolverSteps})";
            if (!Times.SequenceEqual(other.Times)) return $"frame times {Format(other.Times)} (this run: {Format(Times)})";
            if (Seed != other.Seed) return $"seed {other.Seed} (this run: {Seed})";
            if (ShardSize != other.ShardSize) return $"shard size {other.ShardSize} (this run: {ShardSize})";
            if (FormatVersion != other.FormatVersion) return $"format version {other.FormatVersion}";
            return null;
        }

        private static string Format(float[] t) => string.Join(",", t.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
    }

    /// <summary>A shard: its record range and file.</summary>
    public sealed record Shard(long First, long End, string File)
    {
        /// <summary>Records in the shard.</summary>
        public long Count => End - First;
    }

    /// <summary>
    /// Opens (creating it if needed) the folder for <paramref name="manifest"/>: bad input when it holds records made with other settings.
    /// </summary>
    public static TrajectoryFolder Open(string path, Manifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (File.Exists(path)) throw new BadInputException($"--out '{path}' is a file; give a folder for the trajectory shards");
        Directory.CreateDirectory(path);
        string file = System.IO.Path.Combine(path, ManifestName);
        if (File.Exists(file))
        {
            Manifest? existing;
            try { existing = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(file)); }
            catch (JsonException e) { throw new BadInputException($"'{file}' is not a readable trajectory manifest ({ErrorMapper.OneLine(e.Message)}); delete it and the folder's shards, or use another --out", e); }
            if (existing is null || existing.Times is null || existing.TeacherSha256 is null)
                throw new BadInputException($"'{file}' is not a readable trajectory manifest; delete it and the folder's shards, or use another --out");
            if (manifest.FirstDifference(existing) is { } difference)
                throw new BadInputException($"--out '{path}' holds trajectories made with {difference}; use another --out folder or the same settings");
        }
        else
        {
            string temp = file + $".{Environment.ProcessId}.tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true }));
            File.Move(temp, file, overwrite: true);
        }
        return new TrajectoryFolder(path);
    }

    /// <summary>The complete shards in the folder, by record range; bad input when two overlap.</summary>
    public IReadOnlyList<Shard> CompleteShards()
    {
        var shards = new List<Shard>();
        foreach (var file in Directory.GetFiles(Path, "trajectories-*" + TrajectoryFiles.Extension))
        {
            var m = ShardName().Match(System.IO.Path.GetFileName(file));
            if (!m.Success) continue;
            long first = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), end = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            if (end > first) shards.Add(new Shard(first, end, file));
        }
        shards.Sort((a, b) => a.First.CompareTo(b.First));
        for (int i = 1; i < shards.Count; i++)
            if (shards[i].First < shards[i - 1].End)
                throw new BadInputException($"shards '{shards[i - 1].File}' and '{shards[i].File}' overlap; delete one of them and rerun");
        return shards;
    }

    /// <summary>
    /// The shards still to write for records [first, first + count): the range minus the complete shards, cut at multiples of
    /// <paramref name="shardSize"/>.
    /// </summary>
    public IReadOnlyList<Shard> Missing(long first, long count, int shardSize)
    {
        long end = first + count;
        var todo = new List<Shard>();
        long at = first;
        foreach (var done in CompleteShards().Where(s => s.End > first && s.First < end).Append(new Shard(end, end, "")))
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

    /// <summary>The file of the shard holding records [start, end).</summary>
    public string ShardPath(long start, long end) =>
        System.IO.Path.Combine(Path, string.Create(CultureInfo.InvariantCulture, $"trajectories-{start:D12}-{end:D12}{TrajectoryFiles.Extension}"));

    /// <summary>SHA-256 of a file, hex.</summary>
    public static string Sha256(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    [GeneratedRegex(@"^trajectories-(\d{12,19})-(\d{12,19})\.idv$")]
    private static partial Regex ShardName();
}
