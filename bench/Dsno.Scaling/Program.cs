using System.CommandLine;
using Dsno.Scaling;

var output = new Option<string>("--out") { Description = "Working folder for generated files", DefaultValueFactory = _ => "bench-out/scaling" };
var report = new Option<string>("--report") { Description = "Markdown file to write", DefaultValueFactory = _ => "docs/scaling.md" };
var benchmarks = new Option<string>("--benchmarks") { Description = "docs/benchmarks.md, whose ML.NET section is rewritten", DefaultValueFactory = _ => "docs/benchmarks.md" };
var rows = new Option<int>("--rows") { Description = "Trajectories in the large .idv file", DefaultValueFactory = _ => 50_000 };

var root = new RootCommand("Measures Dsno's throughput, memory and disk figures on this machine and writes docs/scaling.md.");
root.Options.Add(output);
root.Options.Add(report);
root.Options.Add(benchmarks);
root.Options.Add(rows);
root.SetAction(parse => ScalingRun.Execute(parse.GetValue(output)!, parse.GetValue(report)!, parse.GetValue(benchmarks)!, parse.GetValue(rows)));

// Child-process mode for the peak-memory measurement: fit DSNO from an .idv file and print the peak resident set size.
var fitFile = new Argument<string>("idv");
var teacherFile = new Argument<string>("teacher");
var steps = new Argument<int>("steps");
var fitMemory = new Command("fit-memory", "Fits DSNO streaming from an .idv file and prints VmHWM (peak RSS, kB)") { fitFile, teacherFile, steps };
fitMemory.SetAction(parse => MemoryProbe.Fit(parse.GetValue(fitFile)!, parse.GetValue(teacherFile)!, parse.GetValue(steps)));
root.Subcommands.Add(fitMemory);

return root.Parse(args).Invoke();
