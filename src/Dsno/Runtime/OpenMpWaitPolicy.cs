using System.Runtime.InteropServices;

namespace Dsno.Runtime;

/// <summary>
/// Makes libtorch's OpenMP threads sleep, not spin, while they wait for work. libgomp's default lets an idle thread spin for
/// about 300,000 iterations between parallel regions; when other processes use the cores, torch's threads then spend their time
/// waiting for each other. Measured on a 2-core VM shared with other jobs: 12 steps of a small teacher at 2 threads took 473 s
/// with the default and 29 s with <c>OMP_WAIT_POLICY=PASSIVE</c> (the same weights, bit for bit). libgomp reads the variable once,
/// when it is loaded, so this runs before the first torch call (from <see cref="LibTorchLoader.EnsureLoadable"/>). A value the
/// user set (OMP_WAIT_POLICY or GOMP_SPINCOUNT) is left alone.
/// </summary>
internal static partial class OpenMpWaitPolicy
{
    public const string Variable = "OMP_WAIT_POLICY";
    public const string Value = "PASSIVE";

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    /// <summary>Sets the policy for this process (native environment, which libgomp reads) unless the user chose one.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static string Apply()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GOMP_SPINCOUNT")))
            return $"{Variable}/GOMP_SPINCOUNT set by the user: kept";
        if (SetEnv(Variable, Value, 0) != 0) return $"could not set {Variable}";
        Environment.SetEnvironmentVariable(Variable, Value);
        return $"{Variable}={Value}";
    }
}
