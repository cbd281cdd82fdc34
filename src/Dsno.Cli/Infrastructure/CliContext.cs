using System.Text.Encodings.Web;
using System.Text.Json;

namespace Dsno.Cli.Infrastructure;

/// <summary>
/// What a command needs from its surroundings: where progress, human-readable results, JSON and errors go, the global flags, and the
/// cancellation token that Ctrl+C fires.
/// </summary>
public sealed class CliContext
{
    private bool _resultWritten;

    /// <summary>Creates a context.</summary>
    public CliContext(IAnsiConsole console, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default,
        Action<CliProgressEvent>? observer = null)
    {
        Console = console ?? throw new ArgumentNullException(nameof(console));
        Stdout = stdout ?? throw new ArgumentNullException(nameof(stdout));
        Stderr = stderr ?? throw new ArgumentNullException(nameof(stderr));
        CancellationToken = cancellationToken;
        Observer = observer;
    }

    /// <summary>The console that shows progress bars and human-readable results.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Standard output: the JSON object with <c>--json</c>.</summary>
    public TextWriter Stdout { get; }

    /// <summary>Standard error: one-line error messages (and stack traces with <c>--verbose</c>).</summary>
    public TextWriter Stderr { get; }

    /// <summary>Fired by Ctrl+C / SIGTERM: long steps stop at the next step or batch and leave a resumable state.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Receives every progress report (tests use it to interrupt a run at a known point).</summary>
    public Action<CliProgressEvent>? Observer { get; }

    /// <summary>Reads an environment variable (a scheduler's task index, say); tests replace it.</summary>
    public Func<string, string?> EnvironmentVariable { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary><c>--quiet</c>: no progress bars and no informational lines.</summary>
    public bool Quiet { get; set; }

    /// <summary><c>--json</c>: one JSON object on stdout at the end and nothing else there; no human-readable results.</summary>
    public bool Json { get; set; }

    /// <summary><c>--verbose</c>: stack traces with errors.</summary>
    public bool Verbose { get; set; }

    /// <summary>What an interrupted command left behind and how to resume (set by the command before its long step).</summary>
    public string? InterruptedHint { get; set; }

    /// <summary>Writes an informational line (markup) unless <c>--quiet</c> or <c>--json</c>.</summary>
    public void Info(string markup)
    {
        if (!Quiet && !Json) Console.MarkupLine(markup);
    }

    /// <summary>
    /// Reports the command's result: with <c>--json</c> the object goes to stdout as one line; otherwise <paramref name="human"/> writes
    /// the human-readable form to the console.
    /// </summary>
    public void Result(JsonObject result, Action human)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(human);
        if (Json)
        {
            Stdout.WriteLine(result.ToJsonString(JsonOptions));
            Stdout.Flush();
            _resultWritten = true;
        }
        else human();
    }

    /// <summary>Writes a warning: one line on stderr ("warning: ..."), also with <c>--quiet</c> and <c>--json</c> (stdout stays clean).</summary>
    public void Warning(string message)
    {
        Stderr.WriteLine("warning: " + message);
        Stderr.Flush();
    }

    /// <summary>
    /// Passes the warnings the Dsno.MLNet transformers log through <paramref name="ml"/> (<c>MLContext.Log</c>), such as a guidance
    /// scale outside the range a DSNO was trained on, to <see cref="Warning"/>.
    /// </summary>
    public void ForwardLibraryWarnings(MLContext ml)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ml.Log += (_, e) =>
        {
            if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning && e.Source?.Contains("Dsno", StringComparison.Ordinal) == true)
                Warning(e.RawMessage);
        };
    }

    /// <summary>Writes a failure: one line on stderr (plus the stack trace with <c>--verbose</c>) and, with <c>--json</c>, an error object on stdout.</summary>
    public void Failure(int exitCode, string message, Exception? error)
    {
        Stderr.WriteLine("error: " + message);
        if (Verbose && error is not null) Stderr.WriteLine(error.ToString());
        Stderr.Flush();
        if (Json && !_resultWritten)
        {
            Stdout.WriteLine(new JsonObject { ["error"] = message, ["exitCode"] = exitCode }.ToJsonString(JsonOptions));
            Stdout.Flush();
        }
    }

    /// <summary>A JSON number, or null for NaN and infinities (which JSON cannot hold).</summary>
    public static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    // Relaxed escaping: the output is read by programs, not embedded in HTML, so '+' and quotes stay readable.
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
