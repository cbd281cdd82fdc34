using System.Globalization;

namespace Dsno.Bench;

/// <summary>Loss curves as CSV (step,loss).</summary>
public static class LossFile
{
    /// <summary>Writes one loss per step.</summary>
    public static void Write(string path, IReadOnlyList<float> losses)
    {
        using var writer = new StreamWriter(path + ".tmp");
        writer.WriteLine("step,loss");
        for (int i = 0; i < losses.Count; i++) writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i + 1},{losses[i]:R}"));
        writer.Close();
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>Reads a file written by <see cref="Write"/>; empty when it does not exist.</summary>
    public static double[] Read(string path)
    {
        if (!File.Exists(path)) return Array.Empty<double>();
        return File.ReadLines(path).Skip(1).Where(l => l.Length > 0)
            .Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
    }
}
