namespace Dsno.Cli.Infrastructure;

/// <summary>Opens the <c>.idv</c> trajectory files given to <c>dsno fit --data</c> (folders and files) as one streaming data view.</summary>
public static class TrajectoryFiles
{
    /// <summary>The extension of ML.NET binary data files.</summary>
    public const string Extension = ".idv";

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

    /// <summary>Opens every file and joins them; bad input when a file is unreadable or its columns differ from the first file's.</summary>
    public static IDataView Open(MLContext ml, IReadOnlyList<string> files, IReadOnlyList<string> requiredColumns)
    {
        ArgumentNullException.ThrowIfNull(ml);
        var views = new List<IDataView>();
        (string File, string Teacher)? firstTeacher = null;
        foreach (var file in files)
        {
            IDataView view;
            long rows;
            try
            {
                view = ml.Data.LoadFromBinary(file);
                rows = view.GetRowCount() ?? CountRows(view);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new BadInputException($"--data '{file}' is not a readable ML.NET binary (.idv) file ({ErrorMapper.OneLine(e.Message)}); regenerate it with 'dsno trajectories'", e);
            }
            foreach (var column in requiredColumns)
                if (view.Schema.GetColumnOrNull(column) is null)
                    throw new BadInputException($"--data '{file}' has no '{column}' column; give trajectory files written by 'dsno trajectories'");
            // Shards of 'dsno trajectories' record their teacher's SHA-256: records of two teachers are not one training set.
            if (TrajectoryFolder.ReadShardSettings(view)?.TeacherSha256 is { } teacher)
            {
                firstTeacher ??= (file, teacher);
                if (teacher != firstTeacher.Value.Teacher)
                    throw new BadInputException($"--data '{file}' was generated from another teacher than '{firstTeacher.Value.File}' (SHA-256 {teacher[..12]}..., not {firstTeacher.Value.Teacher[..12]}...); fit the trajectories of one teacher");
            }
            if (rows == 0) continue;
            if (views.Count > 0) CheckSameColumns(views[0], files[0], view, file, requiredColumns);
            views.Add(view);
        }
        if (views.Count == 0) throw new BadInputException($"--data: the {files.Count} file(s) hold no rows");
        return views.Count == 1 ? views[0] : new ConcatenatedDataView(views);
    }

    private static long CountRows(IDataView view)
    {
        long n = 0;
        using var cursor = view.GetRowCursor(Array.Empty<DataViewSchema.Column>());
        while (cursor.MoveNext()) n++;
        return n;
    }

    private static void CheckSameColumns(IDataView first, string firstFile, IDataView other, string otherFile, IReadOnlyList<string> columns)
    {
        foreach (var name in columns)
        {
            var a = first.Schema[name];
            var b = other.Schema[name];
            if (!a.Type.Equals(b.Type))
                throw new BadInputException($"--data '{otherFile}' column '{name}' is {b.Type}, but '{firstFile}' has {a.Type}; fit files made with the same teacher and frames");
            var ta = Times(a);
            var tb = Times(b);
            if ((ta is null) != (tb is null) || (ta is not null && !ta.SequenceEqual(tb!)))
                throw new BadInputException($"--data '{otherFile}' records frames at other times than '{firstFile}'; fit files made with the same --frames / --times");
        }
    }

    private static float[]? Times(DataViewSchema.Column column)
    {
        if (column.Annotations.Schema.GetColumnOrNull(Dsno.MLNet.TrajectoryAnnotations.Times) is not { } times) return null;
        VBuffer<float> buffer = default;
        column.Annotations.GetValue(times.Name, ref buffer);
        return buffer.DenseValues().ToArray();
    }
}
