using System.Text.Json;
using Dsno.Cli;
using Dsno.Cli.Infrastructure;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console.Testing;

namespace Dsno.Tests.Cli;

/// <summary>Runs the dsno tool in-process with a Spectre test console and captured stdout / stderr.</summary>
internal static class CliHarness
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr, string Console)
    {
        public JsonElement Json()
        {
            Assert.Single(Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            return JsonDocument.Parse(Stdout).RootElement;
        }

        public string Describe() => $"exit {ExitCode}; stderr: {Stderr}; stdout: {Stdout}";
    }

    public static Outcome Run(params string[] args) => Run(null, default, args);

    public static Outcome Run(Action<CliProgressEvent>? observer, CancellationToken token, params string[] args) =>
        Run(new Dictionary<string, string>(), observer, token, args);

    /// <summary>
    /// Runs with <paramref name="environment"/> as the only environment variables the tool sees (the others run with none, so that a
    /// test run inside a scheduler's job does not turn into one of its array tasks).
    /// </summary>
    public static Outcome Run(IReadOnlyDictionary<string, string> environment, Action<CliProgressEvent>? observer, CancellationToken token, params string[] args)
    {
        var console = new TestConsole().Width(200).Interactive();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new CliContext(console, stdout, stderr, token, observer) { EnvironmentVariable = name => environment.GetValueOrDefault(name) };
        int code = DsnoCli.Run(args, context);
        return new Outcome(code, stdout.ToString(), stderr.ToString(), console.Output);
    }

    /// <summary>Runs and asserts success.</summary>
    public static Outcome Ok(params string[] args)
    {
        var outcome = Run(args);
        Assert.True(outcome.ExitCode == 0, outcome.Describe());
        return outcome;
    }

    /// <summary>Tiny teacher settings: seconds on the digits with one thread.</summary>
    public static string[] TinyTeacher(string output, int steps = 12, params string[] extra) =>
        new[]
        {
            "teacher", "--data", "digits", "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture), "--batch", "16",
            "--channels", "8", "--mult", "1,2", "--res-blocks", "1", "--lr", "2e-3", "--warmup", "2", "--seed", "1", "--threads", "1",
            "--out", output,
        }.Concat(extra).ToArray();

    public static string[] TinyFit(string teacher, string data, string output, int steps = 8, params string[] extra) =>
        new[]
        {
            "fit", "--teacher", teacher, "--data", data, "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--batch", "8", "--lr", "2e-3", "--warmup", "2", "--seed", "2", "--threads", "1", "--out", output,
        }.Concat(extra).ToArray();

    /// <summary>A float vector column; <paramref name="alsoActive"/> columns are read too (a teacher's images depend on whether its trajectory is).</summary>
    public static float[][] Column(IDataView view, string column, params string[] alsoActive)
    {
        var rows = new List<float[]>();
        var col = view.Schema[column];
        using var cursor = view.GetRowCursor(alsoActive.Select(c => view.Schema[c]).Append(col));
        var get = cursor.GetGetter<VBuffer<float>>(col);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext())
        {
            get(ref buffer);
            rows.Add(buffer.DenseValues().ToArray());
        }
        return rows.ToArray();
    }

    public static uint[] Keys(IDataView view, string column)
    {
        var rows = new List<uint>();
        var col = view.Schema[column];
        using var cursor = view.GetRowCursor(new[] { col });
        var get = cursor.GetGetter<uint>(col);
        uint value = 0;
        while (cursor.MoveNext())
        {
            get(ref value);
            rows.Add(value);
        }
        return rows.ToArray();
    }

    public static double MaxAbsDifference(float[][] a, float[][] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => { Assert.Equal(x.Length, y.Length); return x.Zip(y, (u, v) => (double)Math.Abs(u - v)).Max(); }).Max();
    }

    /// <summary>Asserts a one-line error message (no stack trace) that contains every fragment.</summary>
    public static void AssertOneLineError(Outcome outcome, int exitCode, params string[] fragments)
    {
        Assert.True(outcome.ExitCode == exitCode, outcome.Describe());
        var lines = outcome.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, "expected one line on stderr: " + outcome.Stderr);
        Assert.StartsWith("error: ", lines[0]);
        Assert.DoesNotContain("   at ", outcome.Stderr);
        foreach (var f in fragments) Assert.Contains(f, lines[0]);
        Assert.Equal("", outcome.Stdout);
    }
}

/// <summary>Tiny models and trajectories made once per test process through the CLI itself (tests only read them).</summary>
internal static class CliArtifacts
{
    private static readonly Lazy<string> Folder = new(() => TinyModels.TempDir());
    private static readonly Lazy<string> TeacherZip = new(() =>
    {
        string path = Path.Combine(Folder.Value, "teacher.zip");
        CliHarness.Ok(CliHarness.TinyTeacher(path));
        return path;
    });
    private static readonly Lazy<string> TrajectoryFolder = new(() =>
    {
        string dir = Path.Combine(Folder.Value, "trajectories");
        CliHarness.Ok("trajectories", "--teacher", Teacher, "--count", "24", "--shard-size", "8", "--solver", "ddim", "--solver-steps", "4",
            "--seed", "7", "--threads", "1", "--out", dir, "--quiet");
        return dir;
    });
    private static readonly Lazy<string> DsnoZip = new(() =>
    {
        string path = Path.Combine(Folder.Value, "dsno.zip");
        CliHarness.Ok(CliHarness.TinyFit(Teacher, Trajectories, path));
        return path;
    });

    public static string Teacher => TeacherZip.Value;
    public static string Trajectories => TrajectoryFolder.Value;
    public static string Dsno => DsnoZip.Value;
}
