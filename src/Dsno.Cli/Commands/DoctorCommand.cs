using Dsno.Runtime;

namespace Dsno.Cli.Commands;

/// <summary>
/// <c>dsno doctor</c>: prints the machine (CPU flags, cache sizes, library versions, threads) and whether training computes right
/// gradients here: the convolution check at 1 and at the default thread count, and a gradient self-check of a small U-Net.
/// Exit code 0 when training is right on the chosen route, 2 when this CPU's kernels are wrong on every route.
/// </summary>
public sealed class DoctorCommand : Command
{
    /// <summary>Creates the verb.</summary>
    public DoctorCommand(CliContext context) : base("doctor", "Show this machine's CPU, libraries and threads, and check that training computes right gradients here.")
    {
        var threads = CommonOptions.Threads();
        Options.Add(threads);
        SetAction(r => Execute(context, r.GetValue(threads)));
    }

    private static int Execute(CliContext context, int threads)
    {
        CommonOptions.ApplyThreads(threads);
        var report = MachineReport.Collect();
        context.Result(new JsonObject
        {
            ["command"] = "doctor",
            ["cpu"] = report.Cpu,
            ["logicalCores"] = report.LogicalCores,
            ["kernelFlags"] = new JsonArray(report.KernelFlags.Select(f => (JsonNode?)f).ToArray()),
            ["linuxCaches"] = new JsonArray(report.LinuxCaches.Select(c => (JsonNode?)c).ToArray()),
            ["torchCaches"] = new JsonObject { ["l1d"] = report.TorchCaches.L1Data, ["l2"] = report.TorchCaches.L2 },
            ["versions"] = new JsonObject(report.Versions.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["threads"] = report.DefaultThreads,
            ["openMpWaitPolicy"] = report.OpenMpWaitPolicy,
            ["routeOverride"] = report.RouteOverride?.ToString(),
            ["checks"] = new JsonArray(report.Checks.Select(c => (JsonNode?)new JsonObject
            {
                ["threads"] = c.Threads,
                ["route"] = c.Route.ToString(),
                ["milliseconds"] = c.Elapsed.TotalMilliseconds,
                ["probes"] = new JsonArray(c.Probes.Select(p => (JsonNode?)new JsonObject
                {
                    ["case"] = p.Case, ["route"] = p.Route.ToString(), ["inputGradientError"] = Finite(p.InputGradientError),
                    ["weightGradientError"] = Finite(p.WeightGradientError), ["right"] = p.IsRight,
                }).ToArray()),
            }).ToArray()),
            ["route"] = CpuNumerics.Route.ToString(),
            ["trainsRight"] = report.TrainsRight,
            ["selfCheck"] = report.SelfCheck?.ToString() ?? report.SelfCheckFailure,
        }, () => Print(context.Console, report));
        return report.TrainsRight ? ExitCodes.Success : ExitCodes.BadInput;
    }

    private static JsonNode? Finite(double value) => double.IsFinite(value) ? JsonValue.Create(value) : JsonValue.Create(value.ToString());

    private static void Print(IAnsiConsole console, MachineReport report)
    {
        var machine = new Table().AddColumns("", "").HideHeaders().Border(TableBorder.Simple);
        machine.AddRow("CPU", Markup.Escape($"{report.Cpu} ({report.LogicalCores} logical cores)"));
        machine.AddRow("kernel flags", Markup.Escape(report.KernelFlags.Count > 0 ? string.Join(" ", report.KernelFlags) : "(none of interest)"));
        machine.AddRow("caches (Linux)", Markup.Escape(report.LinuxCaches.Count > 0 ? string.Join(", ", report.LinuxCaches) : "none reported"));
        machine.AddRow("caches (libtorch)", Markup.Escape($"L1d {report.TorchCaches.L1Data:N0} B, L2 {report.TorchCaches.L2:N0} B"));
        foreach (var (name, version) in report.Versions) machine.AddRow(Markup.Escape(name), Markup.Escape(version));
        machine.AddRow("torch threads", report.DefaultThreads.ToString());
        machine.AddRow("OpenMP wait policy", Markup.Escape(report.OpenMpWaitPolicy));
        machine.AddRow(CpuNumerics.EnvironmentVariable, Markup.Escape(report.RouteOverride?.ToString() ?? "(auto)"));
        console.Write(machine);

        var probes = new Table().Border(TableBorder.Simple).AddColumns("threads", "convolution", "route", "input gradient", "weight gradient", "");
        foreach (var check in report.Checks)
            foreach (var p in check.Probes)
                probes.AddRow(check.Threads.ToString(), Markup.Escape(p.Case), p.Route.ToString(), $"{p.InputGradientError:G3}", $"{p.WeightGradientError:G3}",
                    p.IsRight ? "[green]right[/]" : "[red]WRONG[/]");
        console.MarkupLine("Float32 against float64 gradients (relative error; about 1e-7 is rounding):");
        console.Write(probes);
        console.MarkupLine($"convolution route for training: [bold]{CpuNumerics.Route}[/]");
        if (report.SelfCheck is { } ok) console.MarkupLine($"[green]training is right here[/]: {Markup.Escape(ok.ToString())}");
        else console.MarkupLine($"[red]training would be wrong here[/]: {Markup.Escape(report.SelfCheckFailure ?? "")}");
    }
}
