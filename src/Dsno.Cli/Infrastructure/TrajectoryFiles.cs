namespace Dsno.Cli.Infrastructure;

/// <summary>
/// The <c>.idv</c> trajectory files given to <c>dsno fit --data</c> (folders and files), opened as one streaming data view, and the
/// trajectory folder of <c>dsno trajectories --out</c>, with messages that name the option.
/// </summary>
public static class TrajectoryFiles
{
    private const string Extension = TrajectoryShardFolder.Extension;

    /// <summary>The files named by <paramref name="inputs"/>: each folder contributes its <c>*.idv</c> files in name order.</summary>
    public static IReadOnlyList<string> Resolve(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
            {
                var found = Directory.GetFiles(input, "*" + Extension).OrderBy(f => f, StringComparer.Ordinal).ToList();
                if (found.Count == 0)
                    throw new BadInputException($"--data '{input}' holds no {Extension} files; generate them with 'dsno trajectories --out {input}'");
                files.AddRange(found);
            }
            else if (File.Exists(input)) files.Add(input);
            else throw new BadInputException($"--data '{input}' not found; give a folder of {Extension} files or {Extension} files written by 'dsno trajectories'");
        }
        var duplicates = files.GroupBy(Path.GetFullPath).FirstOrDefault(g => g.Count() > 1);
        if (duplicates is not null) throw new UsageException($"--data names '{duplicates.Key}' more than once; each file's rows would be counted twice");
        return files;
    }

    /// <summary>
    /// Opens every file and joins them (<see cref="TrajectoryShardFolder.LoadFiles"/>); bad input when a file is unreadable, lacks a
    /// column, or its columns or teacher differ from the first file's.
    /// </summary>
    public static IDataView Open(MLContext ml, IReadOnlyList<string> files, IReadOnlyList<string> requiredColumns)
    {
        try { return TrajectoryShardFolder.LoadFiles(ml, files, requiredColumns); }
        catch (InvalidDataException e) { throw new BadInputException($"--data: {ErrorMapper.OneLine(e.Message)}", e); }
    }

    /// <summary>Runs <paramref name="use"/> on the trajectory folder of <c>--out</c>: bad input naming the option when the folder cannot be used.</summary>
    public static T OutFolder<T>(Func<T> use)
    {
        ArgumentNullException.ThrowIfNull(use);
        try { return use(); }
        catch (Exception e) when (e is InvalidDataException or IOException) { throw new BadInputException($"--out: {ErrorMapper.OneLine(e.Message)}", e); }
    }
}
