using System.Diagnostics;
using Dsno.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Dsno.Scaling;

/// <summary>Child-process job: fit DSNO from an .idv file (streamed through a cursor) and report the process's peak RSS.</summary>
internal static class MemoryProbe
{
    public static int Fit(string idv, string teacherZip, int steps)
    {
        torch.set_num_threads(2);
        var ml = new MLContext(seed: 1);
        var teacher = (DiffusionTeacherTransformer)Unwrap(ml.Model.Load(teacherZip, out _));
        var data = ml.Data.LoadFromBinary(idv);
        long before = PeakRssKilobytes();
        var clock = Stopwatch.StartNew();
        ml.Transforms.Dsno(new DsnoOptions { Teacher = teacher, TrainingSteps = steps, BatchSize = 64, LearningRate = 5e-4, WarmupSteps = 20, Seed = 1 }).Fit(data);
        clock.Stop();
        Console.WriteLine($"rows={data.GetRowCount()} steps={steps} seconds={clock.Elapsed.TotalSeconds:F2} peak_rss_kb_before_fit={before} peak_rss_kb={PeakRssKilobytes()}");
        return 0;
    }

    /// <summary>The process's peak resident set size (VmHWM) in kB, from /proc/self/status.</summary>
    public static long PeakRssKilobytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return -1;
    }

    public static ITransformer Unwrap(ITransformer model) =>
        model is TransformerChain<ITransformer> chain ? chain.Single() : model;
}
