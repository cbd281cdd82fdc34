using System.Diagnostics;

namespace Dsno.Bench;

/// <summary>
/// Finds the Fashion-MNIST IDX files of the Debian package <c>dataset-fashion-mnist</c>: the installed copy, or one unpacked (without
/// its dependencies) under the benchmark's output folder with <c>apt-get download</c> and <c>dpkg -x</c>.
/// </summary>
public static class FashionMnistPackage
{
    /// <summary>Where the package installs its files.</summary>
    public const string SystemFolder = "/usr/share/datasets/fashion-mnist";
    private const string PackageName = "dataset-fashion-mnist";
    private static readonly string[] Files =
        { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" };

    /// <summary>The folder holding the four files, unpacking the package into <paramref name="cacheFolder"/> when needed.</summary>
    public static string Locate(string cacheFolder)
    {
        if (HasFiles(SystemFolder)) return SystemFolder;
        cacheFolder = Path.GetFullPath(cacheFolder);
        string unpacked = Path.Combine(cacheFolder, "root");
        string folder = unpacked + SystemFolder;
        if (HasFiles(folder)) return folder;

        Directory.CreateDirectory(cacheFolder);
        BenchLog.Info($"{SystemFolder} is missing: downloading the Debian package {PackageName} into {cacheFolder} (no dependencies)");
        if (!TryRun("apt-get", $"download {PackageName}", cacheFolder))
        {
            BenchLog.Info("apt-get download failed; running apt-get update and trying again");
            Run("apt-get", "update", cacheFolder);
            Run("apt-get", $"download {PackageName}", cacheFolder);
        }
        string deb = Directory.GetFiles(cacheFolder, $"{PackageName}_*.deb").OrderBy(f => f, StringComparer.Ordinal).LastOrDefault()
            ?? throw new InvalidOperationException($"apt-get download left no {PackageName}_*.deb in {cacheFolder}");
        Run("dpkg", $"-x {Path.GetFileName(deb)} {unpacked}", cacheFolder);
        if (!HasFiles(folder))
            throw new InvalidOperationException($"the package {deb} did not contain the expected files under {SystemFolder}: {string.Join(", ", Files)}");
        return folder;
    }

    private static bool HasFiles(string folder) => Files.All(f => File.Exists(Path.Combine(folder, f)));

    private static void Run(string program, string arguments, string folder)
    {
        if (!TryRun(program, arguments, folder)) throw new InvalidOperationException($"'{program} {arguments}' failed (see the log above)");
    }

    private static bool TryRun(string program, string arguments, string folder)
    {
        var info = new ProcessStartInfo(program, arguments) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        try
        {
            using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
            string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) BenchLog.Info($"'{program} {arguments}' exited with {process.ExitCode}: {output.Trim()}");
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            BenchLog.Info($"could not run {program}: {e.Message}");
            return false;
        }
    }
}
