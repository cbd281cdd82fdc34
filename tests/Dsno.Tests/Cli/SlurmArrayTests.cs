using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Xunit.Abstractions;

namespace Dsno.Tests.Cli;

/// <summary>
/// Trajectory generation as a real Slurm job array with the scripts of <c>deploy/slurm</c>, on the cluster that
/// <c>deploy/slurm/local-cluster.sh</c> brings up (<c>.ci/run</c> runs the test suite inside it). Eight array tasks write the files one
/// process writes, byte for byte; a task killed part-way and one cancelled part-way, resubmitted, complete the set with nothing lost or
/// duplicated; and the fitting job, started by its dependency on the array, gives the model a fit on the one-process set gives.
/// </summary>
public class SlurmArrayTests
{
    private const int Tasks = 8;
    private static readonly TimeSpan JobsTimeout = TimeSpan.FromMinutes(10);
    private readonly ITestOutputHelper _log;

    public SlurmArrayTests(ITestOutputHelper log) => _log = log;

    [SlurmFact]
    public void ArrayTasksKilledAndResubmittedWriteTheFilesOfOneProcessAndFitTheSameModel()
    {
        if (SlurmFactAttribute.MissingCluster() is { } missing) Assert.Fail(missing + " (DSNO_REQUIRE_SLURM=1 asks for one)");
        string cli = BuiltProgram.Locate("src/Dsno.Cli", "Dsno.Cli");
        string scripts = Path.Combine(RepositoryRoot.Find(), "deploy", "slurm");
        var jobEnvironment = new Dictionary<string, string> { ["DSNO"] = $"{BuiltProgram.DotnetHost()} {cli}" };
        using var temp = new TempFolder();
        string logs = temp.File("logs");
        Directory.CreateDirectory(logs);

        // 256 records in 32 shards of 8: 4 shards a task. 100 solver steps make a shard last about a second, so a task can be stopped
        // after its first shard with shards still to write.
        string teacher = CliArtifacts.Teacher;
        string[] set = { "--teacher", teacher, "--count", "256", "--shard-size", "8", "--solver", "ddim", "--solver-steps", "100", "--seed", "7", "--threads", "1" };
        string[] fit = { "--teacher", teacher, "--steps", "8", "--batch", "8", "--lr", "2e-3", "--warmup", "2", "--seed", "2", "--threads", "1" };
        string[] tasks = { "--task-count", Tasks.ToString(CultureInfo.InvariantCulture) };

        // The reference: one process, and a fit on its folder.
        string single = temp.File("one-process"), singleModel = temp.File("one-process.zip");
        var clock = Stopwatch.StartNew();
        Dsno(cli, ["trajectories", .. set, "--out", single, "--quiet"]);
        _log.WriteLine($"one process: {clock.Elapsed.TotalSeconds:0.0} s");
        Dsno(cli, ["fit", .. fit, "--data", single, "--out", singleModel, "--quiet"]);

        // Run A: the array, and the fit submitted at once with afterok on it.
        string setA = temp.File("array-a"), modelA = temp.File("array-a.zip");
        clock.Restart();
        string arrayA = Submit(jobEnvironment, [$"--array=0-{Tasks - 1}", $"--output={logs}/a-%A_%a.out", Path.Combine(scripts, "generate.sbatch"), .. set, .. tasks, "--out", setA, "--json"]);
        string fitA = Submit(jobEnvironment, [$"--dependency=afterok:{arrayA}", $"--output={logs}/a-fit-%j.out", Path.Combine(scripts, "fit.sbatch"), setA, .. fit, "--out", modelA]);
        WaitUntilGone(arrayA);
        double arrayASeconds = clock.Elapsed.TotalSeconds;
        WaitUntilGone(fitA);
        AssertStates(logs, arrayA, Enumerable.Range(0, Tasks).ToDictionary(i => i, _ => "COMPLETED"));
        AssertStates(logs, fitA, new() { [-1] = "COMPLETED" });
        LogTaskRates(logs, arrayA, arrayASeconds);

        // Run B: task 3 killed (SIGKILL to its batch step, as a lost node would) and task 5 cancelled (plain scancel: SIGTERM, after which
        // it finishes the shard in hand and stops), each once its first shard is written.
        string setB = temp.File("array-b"), modelB = temp.File("array-b.zip");
        string arrayB = Submit(jobEnvironment, [$"--array=0-{Tasks - 1}", $"--output={logs}/b-%A_%a.out", Path.Combine(scripts, "generate.sbatch"), .. set, .. tasks, "--out", setB]);
        string fitB = Submit(jobEnvironment, [$"--dependency=afterok:{arrayB}", $"--output={logs}/b-fit-%j.out", Path.Combine(scripts, "fit.sbatch"), setB, .. fit, "--out", modelB]);
        var stops = new Dictionary<int, string[]>
        {
            [3] = new[] { "--signal=KILL", "--batch", $"{arrayB}_3" },
            [5] = new[] { $"{arrayB}_5" },
        };
        var deadline = DateTime.UtcNow + JobsTimeout;
        while (stops.Count > 0 && Queued(arrayB))
        {
            foreach (int task in stops.Keys.ToList())
            {
                long firstRecord = 256 / Tasks * task;
                if (!File.Exists(Path.Combine(setB, $"trajectories-{firstRecord:D12}-{firstRecord + 8:D12}.idv"))) continue;
                Command("scancel", stops[task]);
                stops.Remove(task);
            }
            Assert.True(DateTime.UtcNow < deadline, $"array {arrayB} did not reach tasks 3 and 5 within {JobsTimeout}");
            Thread.Sleep(50);
        }
        Assert.True(stops.Count == 0, $"tasks {string.Join(",", stops.Keys)} ended before their first shard was seen");
        WaitUntilGone(arrayB);
        var expected = Enumerable.Range(0, Tasks).ToDictionary(i => i, _ => "COMPLETED");
        expected[3] = "FAILED";    // killed by a signal
        expected[5] = "CANCELLED";
        AssertStates(logs, arrayB, expected);

        // The fit waits for a dependency that can no longer be met; the check names what is missing: only shards of tasks 3 and 5, each
        // of which kept its first shard (stopped part-way).
        WaitForReason(fitB, "DependencyNeverSatisfied");
        var incomplete = BuiltProgram.Run(cli, JobsTimeout, "trajectories", "--check", "--out", setB, "--json");
        Assert.True(incomplete.ExitCode == 4, incomplete.ToString());
        var check = JsonDocument.Parse(incomplete.StandardOutput).RootElement;
        Assert.Equal(new[] { 3, 5 }, check.GetProperty("tasksToRerun").EnumerateArray().Select(t => t.GetInt32()));
        foreach (int task in new[] { 3, 5 })
        {
            int kept = Directory.GetFiles(setB, "trajectories-*.idv").Count(f => TaskOf(f) == task);
            Assert.True(kept is >= 1 and < 4, $"task {task} kept {kept} of its 4 shards: not stopped part-way");
        }
        _log.WriteLine($"after the stops: {check.GetProperty("records").GetInt64()} of 256 records, partial files: {check.GetProperty("partial").GetArrayLength()}");

        // Resubmitted alone, with the array's task count; the waiting fit is pointed at the resubmission.
        string resubmitted = Submit(jobEnvironment, ["--array=3,5", $"--output={logs}/b-%A_%a.out", Path.Combine(scripts, "generate.sbatch"), .. set, .. tasks, "--out", setB]);
        Command("scontrol", "update", $"JobId={fitB}", $"Dependency=afterok:{resubmitted}");
        WaitUntilGone(resubmitted);
        WaitUntilGone(fitB);
        AssertStates(logs, resubmitted, new() { [3] = "COMPLETED", [5] = "COMPLETED" });
        AssertStates(logs, fitB, new() { [-1] = "COMPLETED" });

        // Both arrays wrote the one-process files byte for byte, nothing else, and both fits equal the one-process fit.
        var reference = CliResumeTests.Shards(single);
        Assert.Equal(256 / 8, reference.Count);
        foreach (var folder in new[] { setA, setB })
        {
            CliResumeTests.AssertSameFiles(reference, folder);
            Assert.Equal(0, BuiltProgram.Run(cli, JobsTimeout, "trajectories", "--check", "--out", folder).ExitCode);
        }
        AssertSameModel(singleModel, modelA);
        AssertSameModel(singleModel, modelB);
    }

    private static int TaskOf(string shardFile) => (int)(long.Parse(Path.GetFileName(shardFile).Split('-')[1], CultureInfo.InvariantCulture) / (256 / Tasks));

    private static void Dsno(string cli, string[] args)
    {
        var result = BuiltProgram.Run(cli, JobsTimeout, args);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private static string Submit(Dictionary<string, string> environment, string[] args) =>
        Command("sbatch", environment, ["--parsable", .. args]).Trim().Split(';')[0];

    private static bool Queued(string job) => Command("squeue", "-h", "-j", job, "-o", "%i").Trim().Length > 0;

    private static void WaitUntilGone(string job)
    {
        var deadline = DateTime.UtcNow + JobsTimeout;
        while (Queued(job))
        {
            Assert.True(DateTime.UtcNow < deadline, $"job {job} still queued after {JobsTimeout}");
            Thread.Sleep(250);
        }
    }

    // The controller re-evaluates dependencies on its scheduling passes, a few seconds apart.
    private static void WaitForReason(string job, string reason)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        string? now;
        while ((now = Field(Command("scontrol", "show", "job", "-o", job), "Reason")) != reason)
        {
            Assert.True(DateTime.UtcNow < deadline, $"job {job} waits with reason {now}, not {reason}");
            Thread.Sleep(250);
        }
    }

    /// <summary>Asserts the final state of each array task (key -1: a job that is not an array); the logs are shown when one differs.</summary>
    private static void AssertStates(string logs, string job, Dictionary<int, string> expected)
    {
        var states = Command("scontrol", "show", "job", "-o", job).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(line => Field(line, "ArrayTaskId") is { } id ? int.Parse(id, CultureInfo.InvariantCulture) : -1, line => Field(line, "JobState"));
        if (states.Count == expected.Count && expected.All(e => states.GetValueOrDefault(e.Key) == e.Value)) return;
        string logText = string.Join("\n", Directory.GetFiles(logs).Order().Select(f => $"--- {Path.GetFileName(f)}\n{File.ReadAllText(f)}"));
        Assert.Fail($"job {job}: states {string.Join(", ", states.OrderBy(s => s.Key).Select(s => $"{s.Key}:{s.Value}"))}, " +
            $"expected {string.Join(", ", expected.OrderBy(s => s.Key).Select(s => $"{s.Key}:{s.Value}"))}\n{logText}");
    }

    private static string? Field(string line, string name) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(f => f.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..];

    // Each task's JSON result (run A passes --json): its records per second, and the array's wall time.
    private void LogTaskRates(string logs, string job, double seconds)
    {
        var rates = Directory.GetFiles(logs, $"a-{job}_*.out").Order()
            .Select(f => File.ReadLines(f).LastOrDefault(l => l.StartsWith('{')))
            .Where(l => l is not null)
            .Select(l => JsonDocument.Parse(l!).RootElement)
            .Select(j => (Task: j.GetProperty("task").GetProperty("index").GetInt32(), Seconds: j.GetProperty("seconds").GetDouble(),
                Rate: j.GetProperty("recordsPerSecond").GetDouble()))
            .ToList();
        _log.WriteLine($"array of {Tasks} tasks: {seconds:0.0} s from submission to the last task's end");
        foreach (var r in rates) _log.WriteLine($"  task {r.Task}: {r.Seconds:0.00} s generating, {r.Rate:0.0} records/s");
    }

    private static void AssertSameModel(string expected, string actual)
    {
        using var a = ZipFile.OpenRead(expected);
        using var b = ZipFile.OpenRead(actual);
        Assert.Equal(a.Entries.Select(e => e.FullName).Order(), b.Entries.Select(e => e.FullName).Order());
        foreach (var entry in a.Entries)
            Assert.True(Bytes(entry).AsSpan().SequenceEqual(Bytes(b.GetEntry(entry.FullName)!)), $"{actual}: entry {entry.FullName} differs from {expected}'s");
    }

    private static byte[] Bytes(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    private static string Command(string program, params string[] args) => Command(program, new Dictionary<string, string>(), args);

    private static string Command(string program, Dictionary<string, string> environment, string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment) start.Environment[k] = v;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', args)} did not answer within 2 minutes");
        }
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)}: exit code {process.ExitCode}\n{stderr.Result}");
        return stdout.Result;
    }
}
