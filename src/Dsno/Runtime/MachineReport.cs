using System.Reflection;
using System.Runtime.InteropServices;

namespace Dsno.Runtime;

/// <summary>
/// What this machine is and whether training on it computes right gradients: the CPU (model, instruction-set flags that select
/// kernels, cache sizes as Linux and as libtorch see them), the library versions, torch's threads, the convolution check at
/// 1 thread and at the default thread count, and a gradient self-check of a small U-Net. <c>dsno doctor</c> prints it.
/// </summary>
/// <param name="Cpu">CPU model name (from /proc/cpuinfo), or the OS architecture elsewhere.</param>
/// <param name="LogicalCores">Processors the runtime sees.</param>
/// <param name="KernelFlags">The instruction-set flags among those that choose oneDNN and MKL kernels (AVX to AMX).</param>
/// <param name="LinuxCaches">Cache levels as Linux reports them (e.g. "L1d 32K"), empty where it reports none.</param>
/// <param name="TorchCaches">L1d and L2 sizes in bytes as libtorch's cpuinfo reads them (0 = not reported).</param>
/// <param name="Versions">TorchSharp, libtorch's oneDNN and MKL, and the .NET runtime.</param>
/// <param name="DefaultThreads">torch's intra-op thread count when the report was made.</param>
/// <param name="Checks">The convolution checks, at 1 thread and at <paramref name="DefaultThreads"/>.</param>
/// <param name="SelfCheck">The gradient self-check of a small U-Net at the default thread count, or null when it refused.</param>
/// <param name="SelfCheckFailure">Why the self-check refused, or null.</param>
/// <param name="RouteOverride">The route fixed by <c>DSNO_CONVOLUTION</c>, or null.</param>
/// <param name="OpenMpWaitPolicy">OpenMP's wait policy for this process, and who chose it (see <c>OpenMpWaitPolicy</c>).</param>
public sealed record MachineReport(
    string Cpu, int LogicalCores, IReadOnlyList<string> KernelFlags, IReadOnlyList<string> LinuxCaches, (long L1Data, long L2) TorchCaches,
    IReadOnlyDictionary<string, string> Versions, int DefaultThreads, IReadOnlyList<CpuNumericsCheck> Checks,
    GradientCheckResult? SelfCheck, string? SelfCheckFailure, ConvolutionRoute? RouteOverride, string OpenMpWaitPolicy)
{
    private static readonly string[] InterestingFlags =
    {
        "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni", "avx512_bf16",
        "avx512_fp16", "avx512_vp2intersect", "avx_vnni", "amx_tile", "amx_bf16", "amx_int8",
    };

    /// <summary>Training on this machine computes right gradients (on the route the checks chose).</summary>
    public bool TrainsRight => SelfCheck is not null;

    /// <summary>Gathers the report; runs the checks (a second or two, most of it the small U-Net's float64 copy).</summary>
    public static MachineReport Collect()
    {
        int threads = torch.get_num_threads();
        var checks = new List<CpuNumericsCheck>();
        try
        {
            torch.set_num_threads(1);
            checks.Add(CpuNumerics.Check());
        }
        finally
        {
            torch.set_num_threads(threads);
        }
        if (threads != 1) checks.Add(CpuNumerics.Check());

        GradientCheckResult? selfCheck = null;
        string? failure = null;
        using (var network = new UNet(new UNetOptions { BaseChannels = 16, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 1, AttentionResolutions = new[] { 4 } }))
        {
            try { selfCheck = GradientSelfCheck.Verify("doctor", network); }
            catch (GradientCheckFailedException e) { failure = e.Message; }
        }

        var versions = new Dictionary<string, string>
        {
            ["TorchSharp"] = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
                             ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown",
            ["oneDNN"] = LibTorchContext.OneDnnVersion,
            ["MKL"] = LibTorchContext.MklVersion,
            [".NET"] = RuntimeInformation.FrameworkDescription,
        };
        var (cpu, flags) = ReadCpuInfo();
        return new MachineReport(cpu, Environment.ProcessorCount, flags, ReadLinuxCaches(), LibTorchContext.CacheSizes, versions, threads,
            checks, selfCheck, failure, CpuNumerics.RouteOverride,
            $"{Runtime.OpenMpWaitPolicy.Describe()} ({LibTorchLoader.WaitPolicy})");
    }

    private static (string Model, IReadOnlyList<string> Flags) ReadCpuInfo()
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path)) return (RuntimeInformation.ProcessArchitecture.ToString(), Array.Empty<string>());
        string model = "unknown";
        var flags = new HashSet<string>();
        foreach (var line in File.ReadLines(path))
        {
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
            if (key == "model name" && model == "unknown") model = value;
            if (key == "flags" && flags.Count == 0) flags.UnionWith(value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        return (model, InterestingFlags.Where(flags.Contains).ToList());
    }

    private static IReadOnlyList<string> ReadLinuxCaches()
    {
        const string root = "/sys/devices/system/cpu/cpu0/cache";
        if (!Directory.Exists(root)) return Array.Empty<string>();
        var caches = new List<string>();
        foreach (var index in Directory.EnumerateDirectories(root, "index*").Order())
        {
            string Read(string name) => File.Exists(Path.Combine(index, name)) ? File.ReadAllText(Path.Combine(index, name)).Trim() : "";
            string size = Read("size"), type = Read("type"), level = Read("level");
            if (size.Length == 0) continue;
            string suffix = type switch { "Data" => "d", "Instruction" => "i", _ => "" };
            caches.Add($"L{level}{suffix} {size}");
        }
        return caches;
    }
}
