using System.CommandLine;
using Dsno.Bench;

// "guided": the classifier-free guidance benchmark (its own small pipeline; see GuidedBench).
if (args.Length > 0 && args[0] == "guided") return GuidedBench.Run(args[1..]);

var dataset = new Option<string>("--dataset")
{
    Description = "Data set: digits (8x8, about 75 minutes), fashion16 (Fashion-MNIST at 16x16, about 2 hours) or fashion32 (at 32x32, about 4x fashion16)",
    Required = true,
};
dataset.AcceptOnlyFromAmong("digits", "fashion16", "fashion32");
var output = new Option<string>("--out") { Description = "Folder of the resumable stage files (one sub-folder per data set)", DefaultValueFactory = _ => "bench-out" };
var report = new Option<string>("--report") { Description = "Markdown file whose section for this data set is (re)written; PNGs go next to it", DefaultValueFactory = _ => "docs/benchmarks.md" };
var threads = new Option<int>("--threads")
{
    // With OpenMP's bounded spin (Dsno.Runtime.OpenMpWaitPolicy) 2 threads train faster than 1 on the 2-core machine
    // (docs/cpu-numerics.md); before it, spinning threads ran 6-13x slower than 1 on shared cores.
    Description = "Torch intra-op threads (default 0: one per core; 1 repeats the same numbers on any machine)",
    DefaultValueFactory = _ => 0,
};
var reportOnly = new Option<bool>("--report-only") { Description = "Only rewrite the report from the stored results" };
var studentsOnly = new Option<bool>("--students-only")
{
    Description = "Stop after the students stage: a second process that shares the student runs with the main one (both at --threads 1, one per core)",
};
var smoke = new Option<bool>("--smoke") { Description = "Tiny budgets to check the pipeline in a minute or two (files in <dataset>-smoke; numbers meaningless)" };

var root = new RootCommand("Dsno.Bench: trains a teacher, generates trajectories, trains DSNO and the baselines, evaluates them and writes docs/benchmarks.md. " +
                           "Every stage is resumable: rerun the same command after an interruption.")
{
    dataset, output, report, threads, reportOnly, smoke, studentsOnly,
};
root.SetAction(parse =>
{
    int n = parse.GetValue(threads);
    if (n < 0) throw new ArgumentOutOfRangeException(nameof(threads), n, "--threads must be 0 (one per core) or more");
    // 0 is resolved here so every stage and the report record the count that ran.
    if (n == 0) n = Environment.ProcessorCount;
    // The command that produces the report; --report-only only rewrites it from the files that command made.
    string command = "dotnet run -c Release --project bench/Dsno.Bench -- " + string.Join(' ', args.Where(a => a != "--report-only"));
    return BenchRunner.Run(parse.GetValue(dataset)!, parse.GetValue(output)!, parse.GetValue(report)!, n, parse.GetValue(reportOnly), parse.GetValue(smoke), parse.GetValue(studentsOnly), command);
});
return root.Parse(args).Invoke();
