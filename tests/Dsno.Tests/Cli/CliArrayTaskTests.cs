using Dsno.Cli.Infrastructure;
using Dsno.MLNet;
using TorchSharp;

namespace Dsno.Tests.Cli;

/// <summary>
/// <c>dsno trajectories</c> as tasks of a job array (options, Slurm's and Kubernetes' environment variables), <c>--check</c>, and the bad
/// inputs a split run meets: a task index outside the count, two task layouts in one folder, a teacher that differs between tasks.
/// The set is <see cref="CliArtifacts.Trajectories"/>: 24 records in 3 shards of 8, written by one process.
/// </summary>
public class CliArrayTaskTests
{
    private static readonly Dictionary<string, string> NoEnvironment = new();

    private static string[] Set(string output, string? teacher = null, params string[] extra) =>
        new[]
        {
            "trajectories", "--teacher", teacher ?? CliArtifacts.Teacher, "--count", "24", "--shard-size", "8", "--solver", "ddim",
            "--solver-steps", "4", "--seed", "7", "--threads", "1", "--out", output, "--quiet",
        }.Concat(extra).ToArray();

    private static Dictionary<string, string> Slurm(int id, int count) => new()
    {
        [ArrayTask.SlurmTaskId] = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [ArrayTask.SlurmTaskCount] = count.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static CliHarness.Outcome Run(Dictionary<string, string> environment, params string[] args) => CliHarness.Run(environment, null, default, args);

    private static CliHarness.Outcome Ok(Dictionary<string, string> environment, params string[] args)
    {
        var outcome = Run(environment, args);
        Assert.True(outcome.ExitCode == 0, outcome.Describe());
        return outcome;
    }

    /// <summary>Three Slurm array tasks into a fresh folder.</summary>
    private static string ThreeTasks()
    {
        string dir = TinyModels.TempDir();
        for (int i = 0; i < 3; i++) Ok(Slurm(i, 3), Set(dir));
        return dir;
    }

    [Fact]
    public void TasksOfAnyCountWriteTheFilesOfOneRunByteForByte()
    {
        torch.set_num_threads(1);
        var whole = CliResumeTests.Shards(CliArtifacts.Trajectories);

        // Slurm: three tasks, one shard each, the index and count from the environment.
        string slurm = TinyModels.TempDir();
        for (int i = 0; i < 3; i++)
        {
            var json = Ok(Slurm(i, 3), Set(slurm, null, "--json")).Json();
            var task = json.GetProperty("task");
            Assert.Equal(i, task.GetProperty("index").GetInt32());
            Assert.Equal(ArrayTask.SlurmTaskId, task.GetProperty("indexFrom").GetString());
            Assert.Equal(ArrayTask.SlurmTaskCount, task.GetProperty("countFrom").GetString());
            Assert.Equal(8 * i, json.GetProperty("first").GetInt64());
            Assert.Equal(8, json.GetProperty("generated").GetInt64());
        }
        CliResumeTests.AssertSameFiles(whole, slurm);

        // Options: two tasks over three shards, so one task takes two; and a Kubernetes indexed Job's pods with the count given.
        string options = TinyModels.TempDir(), kubernetes = TinyModels.TempDir();
        var ranges = new List<(long, long)>();
        for (int i = 0; i < 2; i++)
        {
            var json = Ok(NoEnvironment, Set(options, null, "--task-index", i.ToString(System.Globalization.CultureInfo.InvariantCulture), "--task-count", "2", "--json")).Json();
            ranges.Add((json.GetProperty("first").GetInt64(), json.GetProperty("count").GetInt64()));
            Ok(new Dictionary<string, string> { [ArrayTask.KubernetesIndex] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Set(kubernetes, null, "--task-count", "2"));
        }
        Assert.Equal(new[] { (0L, 8L), (8L, 16L) }, ranges);
        CliResumeTests.AssertSameFiles(whole, options);
        CliResumeTests.AssertSameFiles(whole, kubernetes);

        // The check finds the set whole, taking the records from the task layout.
        var check = Ok(NoEnvironment, "trajectories", "--check", "--out", slurm, "--json").Json();
        Assert.True(check.GetProperty("complete").GetBoolean());
        Assert.Equal(24, check.GetProperty("records").GetInt64());
        Assert.Equal(3, check.GetProperty("taskCount").GetInt32());
        Assert.Equal(0, check.GetProperty("missing").GetArrayLength());
    }

    [Fact]
    public void CheckListsTheMissingShardWithItsTaskAndTheTaskRerunAloneCompletesTheSet()
    {
        torch.set_num_threads(1);
        var whole = CliResumeTests.Shards(CliArtifacts.Trajectories);
        string dir = ThreeTasks();
        File.Delete(Path.Combine(dir, "trajectories-000000000008-000000000016.idv"));
        File.WriteAllText(Path.Combine(dir, "trajectories-000000000008-000000000016.idv.othernode.4242.tmp"), "half a shard");

        var outcome = Run(NoEnvironment, "trajectories", "--check", "--out", dir, "--json");
        Assert.Equal(ExitCodes.Incomplete, outcome.ExitCode);
        var json = outcome.Json();
        Assert.False(json.GetProperty("complete").GetBoolean());
        Assert.Equal(16, json.GetProperty("records").GetInt64());
        var missing = Assert.Single(json.GetProperty("missing").EnumerateArray());
        Assert.Equal(8, missing.GetProperty("first").GetInt64());
        Assert.Equal(16, missing.GetProperty("end").GetInt64());
        Assert.Equal(1, missing.GetProperty("task").GetInt32());
        Assert.Equal(1, Assert.Single(json.GetProperty("tasksToRerun").EnumerateArray()).GetInt32());
        Assert.Single(json.GetProperty("partial").EnumerateArray());

        var text = Run(NoEnvironment, "trajectories", "--check", "--out", dir);
        Assert.Equal(ExitCodes.Incomplete, text.ExitCode);
        Assert.Contains("missing trajectories-000000000008-000000000016.idv (task 1)", text.Console);
        Assert.Contains("sbatch --array=1 ", text.Console);

        // Task 1 resubmitted alone: Slurm calls it an array of one; --task-count keeps its share. Its stale partial file goes.
        var rerun = Ok(Slurm(1, 1), Set(dir, null, "--task-count", "3", "--json")).Json();
        Assert.Equal(8, rerun.GetProperty("generated").GetInt64());
        Assert.Equal(0, Run(NoEnvironment, "trajectories", "--check", "--out", dir).ExitCode);
        CliResumeTests.AssertSameFiles(whole, dir);

        // A larger range than the folder holds: the records past it are missing (no task to name: the layout covers other records).
        var larger = Run(NoEnvironment, "trajectories", "--check", "--out", dir, "--count", "32", "--json");
        Assert.Equal(ExitCodes.Incomplete, larger.ExitCode);
        var past = Assert.Single(larger.Json().GetProperty("missing").EnumerateArray());
        Assert.Equal(24, past.GetProperty("first").GetInt64());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, past.GetProperty("task").ValueKind);
    }

    [Fact]
    public void BadTaskIndicesAndLayoutsAreRefusedWithTheReason()
    {
        torch.set_num_threads(1);
        string dir = TinyModels.TempDir();
        CliHarness.AssertOneLineError(Run(Slurm(3, 3), Set(dir)), ExitCodes.Usage,
            "task index 3 (from SLURM_ARRAY_TASK_ID) is outside the 3 task(s) of SLURM_ARRAY_TASK_COUNT", "--array=0-2");
        CliHarness.AssertOneLineError(Run(NoEnvironment, Set(dir, null, "--task-index", "5", "--task-count", "2")), ExitCodes.Usage,
            "task index 5 (from --task-index) is outside the 2 task(s)");
        CliHarness.AssertOneLineError(Run(new() { [ArrayTask.KubernetesIndex] = "1" }, Set(dir)), ExitCodes.Usage,
            "task index 1 (from JOB_COMPLETION_INDEX) needs --task-count");
        CliHarness.AssertOneLineError(Run(new() { [ArrayTask.SlurmTaskId] = "two", [ArrayTask.SlurmTaskCount] = "3" }, Set(dir)), ExitCodes.Usage,
            "SLURM_ARRAY_TASK_ID='two'");
        CliHarness.AssertOneLineError(Run(NoEnvironment, Set(dir, null, "--task-count", "2")), ExitCodes.Usage, "--task-count 2 needs the task's index");
        CliHarness.AssertOneLineError(Run(Slurm(0, 4), Set(dir)), ExitCodes.Usage, "more than the 3 shard(s) of records [0, 24)");
        CliHarness.AssertOneLineError(Run(NoEnvironment, "trajectories", "--check", "--out", dir, "--task-index", "0"), ExitCodes.Usage, "drop --task-index");
        Assert.Empty(Directory.GetFileSystemEntries(dir)); // refused before anything was written

        // Two layouts in one folder: the second is refused, naming the layout file and the shards already there.
        string laidOut = ThreeTasks();
        CliHarness.AssertOneLineError(Run(NoEnvironment, Set(laidOut, null, "--task-index", "0", "--task-count", "2")), ExitCodes.BadInput,
            laidOut, TaskLayout.FileName, "3 task(s) over records [0, 24)", "2 task(s) over records [0, 24)",
            "trajectories-000000000000-000000000008.idv", "--task-count 3");
        // A check without a layout needs the range.
        string plain = TinyModels.TempDir();
        CliHarness.Ok(Set(plain));
        CliHarness.AssertOneLineError(Run(NoEnvironment, "trajectories", "--check", "--out", plain), ExitCodes.Usage, "--check needs --count");
        Assert.Equal(0, Run(NoEnvironment, "trajectories", "--check", "--out", plain, "--count", "24").ExitCode);
    }

    [Fact]
    public void TasksStartingTogetherAgreeOnOneManifest()
    {
        // Tasks with two different teachers start at once on a fresh folder, round after round: exactly one manifest is created,
        // and exactly the tasks whose settings it holds get the folder.
        var a = new TrajectoryShardFolder.Manifest("AA", "ddim", 4, new[] { 0.5f, 0f }, 7, 8, 1, 8, 8, 0);
        var b = a with { TeacherSha256 = "BB" };
        for (int round = 0; round < 20; round++)
        {
            string dir = TinyModels.TempDir();
            var outcomes = Enumerable.Range(0, 12).AsParallel().WithDegreeOfParallelism(12).Select(i =>
            {
                var mine = i % 2 == 0 ? a : b;
                try { return (mine, TrajectoryShardFolder.Open(dir, mine).Settings); }
                catch (InvalidDataException) { return (mine, (TrajectoryShardFolder.Manifest?)null); }
            }).ToList();
            var winner = outcomes.First(o => o.Item2 is not null).mine;
            Assert.All(outcomes, o => Assert.Equal(o.mine == winner, o.Item2 is not null));
            Assert.Equal(winner.TeacherSha256, TrajectoryShardFolder.OpenExisting(dir).Settings.TeacherSha256);
            Assert.Equal(new[] { TrajectoryShardFolder.ManifestName }, Directory.GetFiles(dir).Select(Path.GetFileName));
        }
    }

    [Fact]
    public void ATeacherThatDiffersBetweenTasksIsRefusedByTheTaskTheCheckAndFit()
    {
        torch.set_num_threads(1);
        string other = Path.Combine(TinyModels.TempDir(), "other-teacher.zip");
        CliHarness.Ok(CliHarness.TinyTeacher(other, steps: 3, "--quiet"));
        string dir = ThreeTasks();

        // A task with another teacher file.
        CliHarness.AssertOneLineError(Run(Slurm(1, 3), Set(dir, other)), ExitCodes.BadInput, dir, "another teacher");

        // A shard of another teacher (the same records, copied over from a folder of its own): each shard records its teacher's hash.
        string foreign = TinyModels.TempDir();
        Ok(Slurm(1, 3), Set(foreign, other));
        string name = "trajectories-000000000008-000000000016.idv";
        File.Copy(Path.Combine(foreign, name), Path.Combine(dir, name), overwrite: true);

        var check = Run(NoEnvironment, "trajectories", "--check", "--out", dir, "--json");
        Assert.Equal(ExitCodes.Incomplete, check.ExitCode);
        var bad = Assert.Single(check.Json().GetProperty("bad").EnumerateArray());
        Assert.Equal(name, bad.GetProperty("file").GetString());
        Assert.Contains("another teacher", bad.GetProperty("problem").GetString());
        CliHarness.AssertOneLineError(Run(Slurm(1, 3), Set(dir)), ExitCodes.BadInput, name, "another teacher");
        CliHarness.AssertOneLineError(CliHarness.Run(CliHarness.TinyFit(CliArtifacts.Teacher, dir, Path.Combine(foreign, "dsno.zip"))),
            ExitCodes.BadInput, name, "another teacher");
        CliHarness.AssertOneLineError(Run(NoEnvironment, "trajectories", "--check", "--out", foreign, "--teacher", CliArtifacts.Teacher),
            ExitCodes.BadInput, "another teacher than --teacher");
    }
}
