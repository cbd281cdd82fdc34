using System.Globalization;
using System.Text;

namespace Dsno.OnnxBench;

/// <summary>The "onnx" section of docs/benchmarks.md.</summary>
internal static class ReportWriter
{
    public static string Write(string command, string machine, DateTime started, double loadBefore, double loadAfter,
        List<AccuracyResult> accuracy, List<SpeedResult> speed, FileResult files)
    {
        var b = new StringBuilder();
        void Line(string text = "") => b.Append(text).Append('\n');
        string N(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

        Line("## ONNX export (`onnx`)");
        Line();
        Line($"Command: `{command}`; raw numbers in `bench-out/onnx/results.json`. Run {started:yyyy-MM-dd HH:mm} UTC.");
        Line();
        Line($"Machine: {machine}; ONNX Runtime 1.31.1 (CPU build). TorchSharp and ONNX Runtime both ran on **one thread** " +
             $"(`torch.set_num_threads(1)`, `IntraOpNumThreads = 1`). The 2 cores were **shared with other jobs** (load average " +
             $"{N(loadBefore, "0.0")} before, {N(loadAfter, "0.0")} after), so absolute times are noisy; the ratios come from one process " +
             "with the engines interleaved round by round.");
        Line();
        Line("The operators are randomly initialised (speed and agreement do not depend on training), with the temporal weights drawn from " +
             "[-1/C, 1/C) rather than the near-identity initialisation and the GroupNorm scales from [0.75, 1.25], so that every kind of layer " +
             "moves the output. Architectures: digits 8x8 is the bench's digits U-Net (32 channels, multipliers 1, 2, two blocks a level, " +
             "attention at 4x4); Fashion-MNIST-16 is the bench's 16x16 one (multipliers 1, 2, 2, attention at 8x8).");
        Line();
        Line("### ONNX Runtime against TorchSharp");
        Line();
        Line("Largest absolute difference over every value of the trajectories (all M frames, the image included) of 8 noises, pixels in [-1, 1]. " +
             "Goal: at most 1e-4.");
        Line();
        Line("| Architecture | M | Classes | Parameters | max abs difference | Goal met |");
        Line("|---|---:|---:|---:|---:|---|");
        foreach (var r in accuracy)
            Line($"| {r.Architecture} | {r.Frames} | {(r.Classes == 0 ? "unconditional" : r.Classes.ToString(CultureInfo.InvariantCulture))} | " +
                 $"{r.Parameters:N0} | {N(r.MaxAbsDifference, "0.0E+0")} | {(r.MaxAbsDifference <= 1e-4 ? "yes" : "**no**")} |");
        Line();
        Line("### Speed: DSNO M=4, Fashion-MNIST-16 architecture");
        Line();
        int rounds = speed[0].ImagesPerSecond.Length;
        Line($"Images per second (one forward pass gives all four frames of each image), {rounds} interleaved rounds of at least 0.5 s each; " +
             "best round (the least disturbed by other jobs) and median.");
        Line();
        Line("| Batch | TorchSharp CPU best | ONNX Runtime CPU best | ratio (best) | TorchSharp median | ONNX Runtime median | ratio (median) |");
        Line("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int batch in speed.Select(s => s.Batch).Distinct())
        {
            var t = speed.Single(s => s.Batch == batch && s.Engine.StartsWith("Torch", StringComparison.Ordinal));
            var o = speed.Single(s => s.Batch == batch && s.Engine.StartsWith("ONNX", StringComparison.Ordinal));
            Line($"| {batch} | {N(t.Best, "0.0")} | {N(o.Best, "0.0")} | {N(o.Best / t.Best, "0.00")}x | {N(t.Median, "0.0")} | {N(o.Median, "0.0")} | {N(o.Median / t.Median, "0.00")}x |");
        }
        Line();
        var b1 = Ratio(speed, 1);
        var b64 = Ratio(speed, 64);
        Line($"Goals: ONNX Runtime faster at batch 1: **{(b1 > 1 ? "met" : "not met")}** ({N(b1, "0.00")}x by the best rounds); " +
             $"no slower at batch 64: **{(b64 >= 1 ? "met" : "not met")}** ({N(b64, "0.00")}x).");
        Line();
        Line("### Files and loading (Fashion-MNIST-16, M=4)");
        Line();
        Line($"| | bytes |");
        Line("|---|---:|");
        Line($"| ONNX file (`dsno export`) | {files.OnnxBytes:N0} |");
        Line($"| of which the temporal layers' time-mixing matrices ([M*C, M*C] float32 each) | {files.TimeMixingBytes:N0} |");
        Line($"| TorchSharp weights (`DsnoModel.Save`, the payload of the ML.NET zip) | {files.TorchBytes:N0} |");
        Line();
        Line($"The network has {files.Parameters:N0} parameters, {files.TemporalParameters:N0} of them in the temporal layers " +
             $"({N(files.TemporalParameters * 4.0 / 1e6, "0.00")} MB as spectral weights); the ONNX file stores each temporal layer as its precomputed " +
             "real matrix instead, which is larger than the spectral weight when M*M > 2J (here 16 > 4).");
        Line();
        Line("Fresh process, median of 3 interleaved runs: wall time of the whole process (`dotnet` start-up, load, one image at batch 1, exit), " +
             "and inside it the load and the first image.");
        Line();
        Line("| Engine | process wall time (s) | load (s) | first image (s) |");
        Line("|---|---:|---:|---:|");
        Line($"| ONNX Runtime (`DsnoOnnxSession.Open`) | {N(Median(files.OnnxProcessSeconds), "0.00")} | {N(Median(files.OnnxLoadSeconds), "0.000")} | {N(Median(files.OnnxFirstCallSeconds), "0.000")} |");
        Line($"| TorchSharp (`DsnoModel.Load`) | {N(Median(files.TorchProcessSeconds), "0.00")} | {N(Median(files.TorchLoadSeconds), "0.000")} | {N(Median(files.TorchFirstCallSeconds), "0.000")} |");
        Line();
        Line("GPU (ONNX Runtime's CUDA build, `-p:OnnxRuntimeBackend=cuda`, `Device = \"cuda\"`): **untested here** (no GPU on this machine); " +
             "`bench/gpu/onnx_cuda_check.sh` is the prepared script (see docs/onnx.md).");
        return b.ToString();
    }

    private static double Ratio(List<SpeedResult> speed, int batch) =>
        speed.Single(s => s.Batch == batch && s.Engine.StartsWith("ONNX", StringComparison.Ordinal)).Best /
        speed.Single(s => s.Batch == batch && s.Engine.StartsWith("Torch", StringComparison.Ordinal)).Best;

    private static double Median(double[] values) => values.Order().ElementAt(values.Length / 2);
}
