using System.Runtime.InteropServices;

namespace Dsno.Bench;

/// <summary>A one-line description of the machine for the report.</summary>
public static class MachineInfo
{
    /// <summary>CPU model, logical cores, memory, OS and runtime.</summary>
    public static string Describe()
    {
        string cpu = ReadField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        string? memory = ReadField("/proc/meminfo", "MemTotal");
        string memoryText = memory is not null && long.TryParse(memory.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], out long kb)
            ? $"{kb / 1024.0 / 1024.0:0} GiB RAM" : "unknown RAM";
        string os = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"') ?? RuntimeInformation.OSDescription
            : RuntimeInformation.OSDescription;
        return $"{cpu}, {Environment.ProcessorCount} logical cores, {memoryText}, no GPU, {os}, {RuntimeInformation.FrameworkDescription}, TorchSharp 0.107.0 with libtorch 2.10.0 (CPU)";
    }

    private static string? ReadField(string file, string key)
    {
        if (!File.Exists(file)) return null;
        var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line?.Split(':', 2)[1].Trim();
    }
}
