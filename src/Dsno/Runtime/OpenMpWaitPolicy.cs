using System.Runtime.InteropServices;

namespace Dsno.Runtime;

/// <summary>
/// Bounds how long libtorch's idle OpenMP threads spin before they sleep. Neither of libgomp's extremes is right for training on a
/// small machine: its default spin (about 300,000 iterations, or without end under <c>OMP_WAIT_POLICY=ACTIVE</c>) wastes the cores
/// when other processes use them (12 steps of a small teacher at 2 threads on a shared 2-core VM: 473 s with the default, 29 s
/// passive), and sleeping at once (<c>PASSIVE</c>) pays a wake-up per parallel region, which made 2 threads slower than 1 on a quiet
/// machine (digits teacher: 0.18 to 0.20 s per step at 2 threads, 0.14 to 0.17 at 1). A spin of 30,000 iterations (tens of
/// microseconds) covers the gap between the operations of one step: 0.11 to 0.15 s per step at 2 threads on the same quiet machine
/// (docs/cpu-numerics.md has the runs). libgomp reads its variables once, when it is loaded, so this runs before the first torch call
/// (from <see cref="LibTorchLoader.EnsureLoadable"/>). A value the user set (OMP_WAIT_POLICY or GOMP_SPINCOUNT) is left alone.
/// </summary>
internal static partial class OpenMpWaitPolicy
{
    /// <summary>OpenMP's wait policy variable; Dsno leaves it unset.</summary>
    public const string PolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>libgomp's spin count variable, which Dsno sets.</summary>
    public const string SpinVariable = "GOMP_SPINCOUNT";

    /// <summary>The spin count Dsno chooses.</summary>
    public const string SpinCount = "30000";

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    /// <summary>Sets the spin count for this process (native environment, which libgomp reads) unless the user chose a policy.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static string Apply()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PolicyVariable)) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(SpinVariable)))
            return $"{PolicyVariable}/{SpinVariable} set by the user: kept";
        if (SetEnv(SpinVariable, SpinCount, 0) != 0) return $"could not set {SpinVariable}";
        Environment.SetEnvironmentVariable(SpinVariable, SpinCount);
        return $"{SpinVariable}={SpinCount} (bounded spin, then sleep)";
    }

    /// <summary>The process's policy as libgomp will see it, for reports.</summary>
    public static string Describe()
    {
        string? policy = Environment.GetEnvironmentVariable(PolicyVariable), spin = Environment.GetEnvironmentVariable(SpinVariable);
        return $"{PolicyVariable}={policy ?? "(unset)"}, {SpinVariable}={spin ?? "(unset: libgomp's default spin)"}";
    }
}
