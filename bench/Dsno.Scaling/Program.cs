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

// Training steps per second by convolution route and thread count (the CPU-numerics speed table of docs/benchmarks.md).
var section = new Option<string>("--section") { Description = "Name of the docs/benchmarks.md section to write", DefaultValueFactory = _ => "training-speed" };
var machine = new Option<string>("--machine") { Description = "How to describe this machine in the report", DefaultValueFactory = _ => "this machine" };
var speedSteps = new Option<int>("--steps") { Description = "Timed training steps per configuration", DefaultValueFactory = _ => 6 };
var repeats = new Option<int>("--repeats") { Description = "Interleaved repeats of every configuration", DefaultValueFactory = _ => 3 };
var speedReport = new Option<string>("--benchmarks") { Description = "docs/benchmarks.md, whose training-speed section is rewritten", DefaultValueFactory = _ => "docs/benchmarks.md" };
var trainingSpeed = new Command("training-speed", "Measures teacher and DSNO training steps per second on each convolution route at 1 and 2 threads")
{
    speedReport, section, machine, speedSteps, repeats,
};
trainingSpeed.SetAction(parse => TrainingSpeed.Execute(parse.GetValue(speedReport)!, parse.GetValue(section)!, parse.GetValue(machine)!,
    parse.GetValue(speedSteps), parse.GetValue(repeats)));
root.Subcommands.Add(trainingSpeed);

return root.Parse(args).Invoke();
