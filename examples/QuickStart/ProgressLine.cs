using System.Diagnostics;
using System.Globalization;
using Dsno.MLNet;

namespace Dsno.Examples;

/// <summary>
/// A one-line console progress bar with rate and ETA. On a terminal it redraws in place; when the output is redirected (a log file,
/// a test's <see cref="StringWriter"/>) it writes a line at every tenth of the way instead, so logs stay short.
/// </summary>
/// <remarks>Reports arrive synchronously (unlike <see cref="Progress{T}"/>, which posts them to the thread pool) and may come from any thread.</remarks>
public sealed class ProgressLine : IProgress<DsnoTrainingProgress>
{
    private const int BarWidth = 24;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(150);
    private readonly TextWriter _writer;
    private readonly string _title;
    private readonly bool _interactive;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();
    private TimeSpan? _lastDraw;
    private int _lastTenth = -1;
    private int _lastLength;
    private bool _finished;

    /// <summary>Starts a bar titled <paramref name="title"/> on <paramref name="writer"/>.</summary>
    /// <param name="writer">Where to draw.</param>
    /// <param name="title">A short name of the stage ("teacher", "dsno", ...).</param>
    /// <param name="interactive">Redraw in place; by default when <paramref name="writer"/> is the console and the console is a terminal.</param>
    public ProgressLine(TextWriter writer, string title, bool? interactive = null)
    {
        _writer = writer ?? throw new ArgumentNullException(nameof(writer));
        _title = title ?? throw new ArgumentNullException(nameof(title));
        _interactive = interactive ?? (ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected);
    }

    /// <summary>The last loss seen in a training report, or NaN.</summary>
    public double LastLoss { get; private set; } = double.NaN;

    /// <summary>Wall time since the bar was created.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Draws a training report: step, loss and learning rate.</summary>
    public void Report(DsnoTrainingProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        LastLoss = value.Loss;
        Update(value.Step, value.TotalSteps, string.Create(CultureInfo.InvariantCulture, $"loss {value.Loss:0.00000}"));
    }

    /// <summary>Draws <paramref name="done"/> of <paramref name="total"/> with an optional detail such as a loss.</summary>
    public void Update(long done, long total, string? detail = null)
    {
        lock (_gate)
        {
            if (_finished) return;
            var now = _clock.Elapsed;
            if (_interactive)
            {
                if (done < total && _lastDraw is { } last && now - last < RedrawInterval) return;
                _lastDraw = now;
                Draw("\r" + Line(done, total, now, detail), newLine: false);
            }
            else
            {
                int tenth = total <= 0 ? 10 : (int)Math.Min(10, done * 10 / total);
                if (tenth == _lastTenth) return;
                _lastTenth = tenth;
                Draw(Line(done, total, now, detail), newLine: true);
            }
        }
    }

    /// <summary>Ends the bar with a closing note (the total time is added); further updates are ignored.</summary>
    public void Finish(string? note = null)
    {
        lock (_gate)
        {
            if (_finished) return;
            _finished = true;
            string line = string.Create(CultureInfo.InvariantCulture, $"  {_title,-13} done in {FormatTime(_clock.Elapsed)}{(note is null ? "" : "  " + note)}");
            if (_interactive) Draw("\r" + line, newLine: true);
            else Draw(line, newLine: true);
        }
    }

    private string Line(long done, long total, TimeSpan elapsed, string? detail)
    {
        double fraction = total <= 0 ? 1 : Math.Clamp((double)done / total, 0, 1);
        int filled = (int)Math.Round(fraction * BarWidth);
        double rate = elapsed.TotalSeconds > 0 ? done / elapsed.TotalSeconds : 0;
        string eta = rate > 0 && done < total ? FormatTime(TimeSpan.FromSeconds((total - done) / rate)) : "--:--";
        return string.Create(CultureInfo.InvariantCulture,
            $"  {_title,-13} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {done,6}/{total,-6} {fraction,4:P0}  {rate,7:0.0}/s  ETA {eta}{(detail is null ? "" : "  " + detail)}");
    }

    private void Draw(string text, bool newLine)
    {
        // Pad over the remains of a longer previous line when redrawing in place.
        int visible = text.TrimStart('\r').Length;
        if (_interactive && visible < _lastLength) text += new string(' ', _lastLength - visible);
        _lastLength = newLine ? 0 : visible;
        if (newLine) _writer.WriteLine(text);
        else _writer.Write(text);
        _writer.Flush();
    }

    /// <summary>m:ss, or h:mm:ss past an hour.</summary>
    public static string FormatTime(TimeSpan time) =>
        time.TotalHours >= 1 ? time.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : time.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
