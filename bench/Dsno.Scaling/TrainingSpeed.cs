using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dsno.Diffusion;
using Dsno.Networks;
using Dsno.Runtime;
using Dsno.Training;
using TorchSharp;

namespace Dsno.Scaling;

/// <summary>
/// Training steps per second of the benchmark's teachers and DSNO students (digits and Fashion-MNIST-16 architectures) on each
/// convolution route, at 1 and 2 torch threads, measured in one process with the configurations interleaved over repeats, so that
/// the ratios are fair even on a shared machine. Writes a section of docs/benchmarks.md.
/// </summary>
internal static class TrainingSpeed
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private sealed record Setup(string Dataset, string Model, UNetOptions Architecture, int Batch);

    /// <summary>A route to measure; null route = the default (checked) one.</summary>
    private sealed record Variant(string Name, ConvolutionRoute? Route);

    public static int Execute(string benchmarksPath, string section, string machine, int steps, int repeats)
    {
        var digits = new UNetOptions
        {
            Channels = 1, Height = 8, Width = 8, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 2,
            AttentionResolutions = new[] { 4 }, Dropout = 0.1,
        };
        var fashion = new UNetOptions
        {
            Channels = 1, Height = 16, Width = 16, BaseChannels = 32, ChannelMultipliers = new[] { 1, 2, 2 }, ResBlocksPerLevel = 2,
            AttentionResolutions = new[] { 8 }, Dropout = 0.1,
        };
        // The benchmark's batches: teachers 64 images, DSNO 32 (digits) and 16 (fashion16) trajectories of M = 4 frames.
        var setups = new[]
        {
            new Setup("digits", "teacher", digits, 64), new Setup("digits", "DSNO M=4", digits, 32),
            new Setup("fashion16", "teacher", fashion, 64), new Setup("fashion16", "DSNO M=4", fashion, 16),
        };
        var variants = new[]
        {
            new Variant("default (checked)", null), new Variant("oneDNN as is", ConvolutionRoute.OneDnn),
            new Variant("channel-padded", ConvolutionRoute.ChannelPadded), new Variant("oneDNN off", ConvolutionRoute.Reference),
        };
        int[] threadCounts = { 1, 2 };

        var seconds = new Dictionary<(Setup, Variant, int), List<double>>();
        var clock = Stopwatch.StartNew();
        for (int repeat = 0; repeat < repeats; repeat++)
            foreach (var setup in setups)
                foreach (int threads in threadCounts)
                    foreach (var variant in repeat % 2 == 0 ? variants : variants.Reverse())
                    {
                        double perStep = Measure(setup, variant, threads, steps);
                        var key = (setup, variant, threads);
                        if (!seconds.TryGetValue(key, out var list)) seconds[key] = list = new List<double>();
                        list.Add(perStep);
                        Console.WriteLine(string.Create(Inv, $"{setup.Dataset} {setup.Model} {variant.Name} {threads} thread(s): {perStep:F3} s/step"));
                    }
        CpuNumerics.RouteOverride = null;

        var b = new StringBuilder();
        b.AppendLine("## CPU numerics: training speed by convolution route");
        b.AppendLine();
        b.AppendLine(string.Create(Inv, $"Command: `dotnet run -c Release --project bench/Dsno.Scaling -- training-speed --section {section} --machine \"{machine}\"`; " +
                                        $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {clock.Elapsed.TotalMinutes:F0} min. Machine: {machine}."));
        b.AppendLine();
        var check = CpuNumerics.ChecksRun;
        b.AppendLine($"Convolution check here: {string.Join("; ", check.Select(c => $"{c.Threads} thread(s): {c.Route}"))}. " +
                     $"Steps per second over {steps} steps after 2 warm-up steps, median of {repeats} interleaved repeats; ratios are to \"oneDNN as is\" at the same thread count.");
        b.AppendLine();
        b.AppendLine("| data | model | batch | threads | " + string.Join(" | ", variants.Select(v => v.Name + " (steps/s)")) + " | default / oneDNN as is | oneDNN off / oneDNN as is |");
        b.AppendLine("|---|---|---|---|" + string.Concat(variants.Select(_ => "---|")) + "---|---|");
        foreach (var setup in setups)
            foreach (int threads in threadCounts)
            {
                double Rate(Variant v) => 1 / Median(seconds[(setup, v, threads)]);
                double plain = Rate(variants[1]);
                b.AppendLine(string.Create(Inv, $"| {setup.Dataset} | {setup.Model} | {setup.Batch} | {threads} | ") +
                             string.Join(" | ", variants.Select(v => Rate(v).ToString("F2", Inv))) +
                             string.Create(Inv, $" | {Rate(variants[0]) / plain:F2} | {Rate(variants[3]) / plain:F2} |"));
            }
        b.AppendLine();
        b.AppendLine("Two threads against one (default route): " + string.Join(", ", setups.Select(s =>
            string.Create(Inv, $"{s.Dataset} {s.Model} {Median(seconds[(s, variants[0], 1)]) / Median(seconds[(s, variants[0], 2)]):F2}x"))) + ".");
        Dsno.Bench.ReportSection.Replace(benchmarksPath, section, b.ToString(), "# Benchmarks");
        Console.WriteLine(b.ToString());
        return 0;
    }

    /// <summary>
    /// Seconds per training step of one configuration: forward, loss, backward and an Adam step of the network at the benchmark's
    /// batch, timed over <paramref name="steps"/> steps after 2 warm-up steps. The loop is the bench's own, not TrainingLoop's, so that
    /// the "oneDNN as is" route can be timed on a CPU where its gradients are wrong (the self-check would refuse to train there).
    /// </summary>
    private static double Measure(Setup setup, Variant variant, int threads, int steps)
    {
        torch.set_num_threads(threads);
        CpuNumerics.RouteOverride = variant.Route;
        var a = setup.Architecture;
        var frameTimes = FrameTimes.Quadratic(4);
        torch.manual_seed(1);
        using torch.nn.Module network = setup.Model == "teacher" ? new UNet(a) : new DsnoNetwork(a, frameTimes);
        network.train();
        using var optimizer = new ScalarSafeAdam(network.parameters(), lr: 1e-4);
        using var generator = new torch.Generator(2);
        var clock = new Stopwatch();
        for (int step = 0; step < steps + 2; step++)
        {
            if (step == 2) clock.Start();
            using var scope = torch.NewDisposeScope();
            var x = torch.randn(new long[] { setup.Batch, a.Channels, a.Height, a.Width }, generator: generator);
            torch.Tensor loss;
            if (network is UNet unet)
            {
                var t = torch.rand(new long[] { setup.Batch }, generator: generator);
                var eps = torch.randn(x.shape, generator: generator);
                loss = (unet.forward(x, t, null) - eps).Squared().mean();
            }
            else
            {
                var target = torch.randn(new long[] { setup.Batch, frameTimes.Length, a.Channels, a.Height, a.Width }, generator: generator);
                loss = (((DsnoNetwork)network).forward(x, null) - target).abs().mean();
            }
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        return clock.Elapsed.TotalSeconds / steps;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
