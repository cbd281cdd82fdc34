using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Dsno.Data;
using Dsno.Diffusion;
using Dsno.Models;
using Dsno.Runtime;
using Dsno.Tests.Numerics;
using Dsno.Training;
using TorchSharp;

namespace Dsno.ModelHost;

/// <summary>
/// CPU-numerics jobs, run by the tests in this process's own runtime (and, for the faulty-CPU emulation, with an altered libtorch):
/// <c>--numerics cases &lt;threads&gt; &lt;case&gt;...</c> prints the chosen convolution route and each gradient case's error;
/// <c>--numerics selfcheck &lt;threads&gt;</c> runs the pre-training self-check on a small U-Net;
/// <c>--numerics conv-map &lt;threads&gt;</c> maps which plain convolutions get wrong float32 gradients;
/// <c>--numerics teacher &lt;threads&gt; &lt;steps&gt;</c> trains a small teacher, then DSNO on its trajectories, and prints their last
/// losses and hashes of their weights.
/// Exit codes: 0 done, 1 bad arguments, 3 the self-check refused the network.
/// </summary>
internal static class NumericsJobs
{
    public static int Run(string[] args)
    {
        if (args.Length < 2 || !int.TryParse(args[1], out int threads) || threads < 1)
        {
            Console.Error.WriteLine("usage: --numerics cases|selfcheck|teacher <threads> ...");
            return 1;
        }
        torch.set_num_threads(threads);
        switch (args)
        {
            case ["environment", _]:
            {
                // What libgomp saw: the native environment, not .NET's copy of it.
                Console.WriteLine($"OMP_WAIT_POLICY={Marshal.PtrToStringUTF8(getenv("OMP_WAIT_POLICY")) ?? "(unset)"}");
                Console.WriteLine($"GOMP_SPINCOUNT={Marshal.PtrToStringUTF8(getenv("GOMP_SPINCOUNT")) ?? "(unset)"}");
                return 0;
            }
            case ["conv-map", _]:
                ConvolutionMap();
                return 0;
            case ["cases", _, .. var names]:
            {
                var check = CpuNumerics.Check();
                Console.WriteLine($"route {CpuNumerics.Route}");
                foreach (var probe in check.Probes) Console.WriteLine($"probe {probe}");
                foreach (var name in names)
                {
                    var c = ModuleGradientCases.Get(name);
                    using var module = c.Build();
                    using var copy = ModuleGradientCases.Float64Copy(c, module);
                    var (score, error, where) = ModuleGradientCases.Compare(c, ModuleGradientCases.Gradients(c, module), ModuleGradientCases.Gradients(c, copy));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"case {name} score {score:G3} error {error:G3} at {where}"));
                }
                return 0;
            }
            case ["selfcheck", _]:
            {
                using var network = new Networks.UNet(InterruptibleJobs.Architecture);
                try
                {
                    Console.WriteLine($"selfcheck ok: {GradientSelfCheck.Verify("selfcheck", network)}");
                    return 0;
                }
                catch (GradientCheckFailedException e)
                {
                    Console.WriteLine($"selfcheck failed: {e.Message}");
                    return 3;
                }
            }
            case ["teacher", _, var stepsText] when int.TryParse(stepsText, out int steps):
            {
                // A teacher, then DSNO on its trajectories: both training loops, every kind of layer, at this thread count.
                using var teacher = new DiffusionTeacher(InterruptibleJobs.Architecture, seed: 4);
                var budget = new TrainingOptions { Steps = steps, BatchSize = 16, LearningRate = 2e-3, WarmupSteps = 5, Seed = 4, Threads = threads };
                try
                {
                    var teacherRun = teacher.Train(Digits.Load(), budget);
                    var generation = new TrajectoryGenerationOptions { Solver = "ddim", Steps = 6, Seed = 8, BatchSize = 16 };
                    using var data = new InMemoryTrajectories(TrajectoryGenerator.Generate(teacher, generation, 0, 32),
                        TrajectoryGenerator.Layout(teacher, generation));
                    using var dsno = DsnoModel.FromTeacher(teacher, data.Layout.FrameTimes, seed: 4);
                    var dsnoRun = dsno.Train(data, budget with { BatchSize = 8 });
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"teacher loss {teacherRun.Losses[^1]:R} weights {Hash(teacher.Save)} dsno loss {dsnoRun.Losses[^1]:R} weights {Hash(dsno.Save)}"));
                    Console.WriteLine($"route {CpuNumerics.Route}");
                    return 0;
                }
                catch (GradientCheckFailedException e)
                {
                    Console.WriteLine($"selfcheck failed: {e.Message}");
                    return 3;
                }
            }
            default:
                Console.Error.WriteLine("usage: --numerics cases|selfcheck|teacher <threads> ...");
                return 1;
        }
    }

    /// <summary>
    /// Which plain convolutions get a wrong float32 gradient here (relative error above 1e-4 against float64): kernel 1 and 3,
    /// stride 1 and 2, 1 to 192 output channels, a few input channel counts, sizes and batches. One line per (kernel, stride,
    /// output channels) with the share of wrong shapes and the worst input- and weight-gradient errors.
    /// </summary>
    private static void ConvolutionMap()
    {
        long[] outChannels = { 1, 2, 3, 4, 7, 8, 9, 12, 15, 16, 17, 24, 32, 48, 64, 96, 192 };
        foreach (var (kernel, stride) in new[] { (1L, 1L), (3L, 1L), (3L, 2L) })
            foreach (long oc in outChannels)
            {
                int wrong = 0, total = 0;
                double worstInput = 0, worstWeight = 0;
                foreach (long ic in new long[] { 1, 16, 64 })
                    foreach (long size in new long[] { 8, 16 })
                        foreach (long batch in new long[] { 2, 16 })
                        {
                            using var scope = torch.NewDisposeScope();
                            using var generator = new torch.Generator(7);
                            var x = torch.randn(new long[] { batch, ic, size, size }, torch.ScalarType.Float64, generator: generator);
                            var w = torch.randn(new long[] { oc, ic, kernel, kernel }, torch.ScalarType.Float64, generator: generator) * 0.2;
                            var (x32, w32) = Gradients(x, w, torch.ScalarType.Float32, stride, kernel / 2);
                            var (x64, w64) = Gradients(x, w, torch.ScalarType.Float64, stride, kernel / 2);
                            double input = CpuNumerics.RelativeError(x32, x64), weight = CpuNumerics.RelativeError(w32, w64);
                            total++;
                            if (!(input <= 1e-4 && weight <= 1e-4)) wrong++;
                            worstInput = double.IsNaN(input) || input > worstInput ? input : worstInput;
                            worstWeight = double.IsNaN(weight) || weight > worstWeight ? weight : worstWeight;
                        }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"conv {kernel}x{kernel} stride {stride}, {oc,3} output channels: {wrong,2} of {total} shapes wrong; worst input gradient {worstInput:G3}, weight gradient {worstWeight:G3}"));
            }
    }

    private static (torch.Tensor Input, torch.Tensor Weight) Gradients(torch.Tensor x, torch.Tensor w, torch.ScalarType type, long stride, long padding)
    {
        var input = x.to(type).requires_grad_(true);
        var weight = w.to(type).requires_grad_(true);
        var y = torch.nn.functional.conv2d(input, weight, null, new[] { stride, stride }, new[] { padding, padding });
        (y * torch.linspace(-1, 1, y.numel(), dtype: type).reshape(y.shape)).sum().backward();
        return (input.grad!.to(torch.ScalarType.Float64), weight.grad!.to(torch.ScalarType.Float64));
    }

    [DllImport("libc")]
    private static extern IntPtr getenv(string name);

    private static string Hash(Action<Stream> save)
    {
        using var buffer = new MemoryStream();
        save(buffer);
        return Convert.ToHexString(SHA256.HashData(buffer.ToArray()));
    }
}
