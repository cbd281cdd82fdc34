using ScottPlot;

namespace Dsno.Bench;

/// <summary>The report's line plots (ScottPlot).</summary>
public static class Plots
{
    /// <summary>Loss curves, each smoothed by a trailing moving average, on a log10 y axis.</summary>
    public static void Losses(string path, string title, IReadOnlyList<(string Label, double[] Losses)> series, int window)
    {
        var plot = new Plot();
        var smoothed = series.Where(s => s.Losses.Length > 0).Select(s => (s.Label, Values: MovingAverage(s.Losses, window))).ToList();
        // A log axis only when the curves span more than a decade; otherwise its ticks would be too sparse to read.
        double max = smoothed.SelectMany(s => s.Values).DefaultIfEmpty(1).Max(), min = smoothed.SelectMany(s => s.Values).DefaultIfEmpty(1).Min();
        bool log = min > 0 && max / min > 10;
        foreach (var (label, values) in smoothed)
        {
            var xs = Enumerable.Range(1, values.Length).Select(i => (double)i).ToArray();
            var line = plot.Add.ScatterLine(xs, log ? values.Select(v => Math.Log10(Math.Max(v, 1e-12))).ToArray() : values);
            line.LegendText = label;
            line.LineWidth = 1.5f;
        }
        if (log) LogTicks(plot);
        plot.Title(title);
        plot.XLabel("optimiser step");
        plot.YLabel($"loss (moving average of {window} steps{(log ? ", log scale" : "")})");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 900, 500);
    }

    /// <summary>The temporal power spectrum: mean power per mode with the per-pixel min-max band, for the denoised estimates and the states.</summary>
    public static void Spectrum(string path, string title, SpectrumResult s)
    {
        var plot = new Plot();
        var modes = Enumerable.Range(0, s.DenoisedMean.Length).Select(i => (double)i).ToArray();
        Add(s.DenoisedMean, s.DenoisedMin, s.DenoisedMax, "denoised estimate x0_hat(t) (DSNO's frames)", Colors.C0);
        Add(s.StateMean, s.StateMin, s.StateMax, "ODE state x(t)", Colors.C1);
        LogTicks(plot);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.SetLimitsX(-0.5, modes.Length - 0.5);
        plot.Title(title);
        plot.XLabel($"frequency mode j (T = 1, {s.Points} uniform time points)");
        plot.YLabel("power S_j (log scale)");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 900, 500);

        void Add(double[] mean, double[] min, double[] max, string label, Color color)
        {
            var band = plot.Add.FillY(modes, Log(min), Log(max));
            band.FillStyle.Color = color.WithAlpha(0.2);
            band.LineStyle.Width = 0;
            var line = plot.Add.ScatterLine(modes, Log(mean));
            line.Color = color;
            line.LegendText = label + " (band: min-max over pixels)";
            line.LineWidth = 2;
        }
        static double[] Log(double[] values) => values.Select(v => Math.Log10(Math.Max(v, 1e-30))).ToArray();
    }

    /// <summary>
    /// FD against training minutes: each series as markers (joined by a line when it is a budget curve), and horizontal dashed
    /// levels (the solvers the students are measured against).
    /// </summary>
    public static void FdAgainstMinutes(string path, string title, IReadOnlyList<(string Label, double[] Minutes, double[] Fd, bool Line)> series,
        IReadOnlyList<(string Label, double Fd)> levels)
    {
        var plot = new Plot();
        foreach (var (label, minutes, fd, line) in series)
        {
            var scatter = plot.Add.Scatter(minutes, fd);
            scatter.LegendText = label;
            scatter.MarkerSize = line ? 7 : 10;
            scatter.LineWidth = line ? 1.5f : 0;
        }
        var levelColors = new[] { Colors.Black, Colors.DimGray, Colors.DarkRed };
        foreach (var ((label, fd), i) in levels.Select((l, i) => (l, i)))
        {
            var level = plot.Add.HorizontalLine(fd);
            level.Color = levelColors[i % levelColors.Length];
            level.LegendText = $"{label} (FD {fd:0.###})";
            level.LinePattern = LinePattern.Dashed;
            level.LineWidth = 1.5f;
        }
        plot.Axes.SetLimitsY(0, series.SelectMany(s => s.Fd).Concat(levels.Select(l => l.Fd)).DefaultIfEmpty(1).Max() * 1.08);
        plot.Axes.SetLimitsX(0, series.SelectMany(s => s.Minutes).DefaultIfEmpty(1).Max() * 1.05);
        plot.Title(title);
        plot.XLabel("training time (minutes on this machine)");
        plot.YLabel("FD (lower is better)");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 900, 550);
    }

    private static void LogTicks(Plot plot)
    {
        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Abs(y) < 1e-9 ? "1" : $"1e{y:0}",
        };
        plot.Axes.Left.TickGenerator = ticks;
    }

    private static double[] MovingAverage(double[] values, int window)
    {
        var result = new double[values.Length];
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }

    /// <summary>Precision against recall, one line per method through its points in order of w, each point labelled with its w.</summary>
    public static void PrecisionRecall(string path, string title, IReadOnlyList<(string Label, (double W, double Recall, double Precision)[] Points)> series)
    {
        var plot = new Plot();
        foreach (var (label, points) in series)
        {
            var scatter = plot.Add.Scatter(points.Select(p => p.Recall).ToArray(), points.Select(p => p.Precision).ToArray());
            scatter.LegendText = label;
            scatter.MarkerSize = 8;
            scatter.LineWidth = 1.5f;
            foreach (var (w, recall, precision) in points)
            {
                var text = plot.Add.Text($"w={w:0.##}", recall, precision);
                text.LabelFontSize = 10;
                text.LabelFontColor = scatter.Color;
            }
        }
        plot.Title(title);
        plot.XLabel("recall (diversity)");
        plot.YLabel("precision (fidelity)");
        plot.ShowLegend(Alignment.LowerLeft);
        plot.SavePng(path, 900, 600);
    }
}
