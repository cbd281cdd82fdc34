namespace Dsno.Cli.Infrastructure;

/// <summary>
/// This process's place in a job array: task <see cref="Index"/> of <see cref="Count"/>, from <c>--task-index</c> / <c>--task-count</c> or
/// from the scheduler's environment. A Slurm array task has <c>SLURM_ARRAY_TASK_ID</c> and <c>SLURM_ARRAY_TASK_COUNT</c>; a pod of a
/// Kubernetes indexed Job has <c>JOB_COMPLETION_INDEX</c> and needs the count (the Job's completions) given. The task ID is taken as the
/// index as it is: an array submitted as <c>--array=0-7</c> has indices 0 to 7, and a task resubmitted alone (<c>--array=3</c>) keeps its
/// index; its <c>SLURM_ARRAY_TASK_COUNT</c> is then 1, which is why job scripts should pass <c>--task-count</c>.
/// </summary>
/// <param name="Index">The task's index, from 0.</param>
/// <param name="Count">Tasks in the array.</param>
/// <param name="IndexFrom">Where the index came from: an option or an environment variable.</param>
/// <param name="CountFrom">Where the count came from.</param>
public sealed record ArrayTask(int Index, int Count, string IndexFrom, string CountFrom)
{
    /// <summary>Slurm's array task ID.</summary>
    public const string SlurmTaskId = "SLURM_ARRAY_TASK_ID";

    /// <summary>Slurm's number of tasks in the array.</summary>
    public const string SlurmTaskCount = "SLURM_ARRAY_TASK_COUNT";

    /// <summary>A Kubernetes indexed Job's completion index.</summary>
    public const string KubernetesIndex = "JOB_COMPLETION_INDEX";

    /// <summary>
    /// The task given by the options, else by the environment; null when neither names one (a plain run). Usage error when only one of
    /// index and count is known, when a value is not a number, or when the index is outside the count.
    /// </summary>
    public static ArrayTask? Resolve(int? index, int? count, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        (int Value, string From)? i = index is { } x ? (x, "--task-index") : null;
        i ??= FromEnvironment(environment, SlurmTaskId, 0) ?? FromEnvironment(environment, KubernetesIndex, 0);
        (int Value, string From)? n = count is { } c ? (c, "--task-count") : null;
        n ??= FromEnvironment(environment, SlurmTaskCount, 1);
        if (i is null && n is null) return null;
        if (i is null)
            throw new UsageException($"{n!.Value.From} {n.Value.Value} needs the task's index: give --task-index (or run as a Slurm array task or an indexed Job's pod)");
        if (n is null)
            throw new UsageException($"task index {i.Value.Value} (from {i.Value.From}) needs --task-count, the number of tasks (a Kubernetes indexed Job's completions)");
        var (taskIndex, indexFrom) = i.Value;
        var (taskCount, countFrom) = n.Value;
        if (taskIndex >= taskCount)
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"task index {taskIndex} (from {indexFrom}) is outside the {taskCount} task(s) of {countFrom} (indices 0 to {taskCount - 1}); " +
                $"submit the array as --array=0-{taskCount - 1}, and give a task resubmitted alone the array's --task-count"));
        return new ArrayTask(taskIndex, taskCount, indexFrom, countFrom);
    }

    /// <summary>For messages: "task 3 of 8 (SLURM_ARRAY_TASK_ID, --task-count)".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"task {Index} of {Count} ({IndexFrom}, {CountFrom})");

    private static (int, string)? FromEnvironment(Func<string, string?> environment, string name, int min)
    {
        string? text = environment(name);
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min)
            throw new UsageException($"the environment variable {name}='{text}' is not {(min == 0 ? "a non-negative" : "a positive")} integer");
        return (value, name);
    }
}
