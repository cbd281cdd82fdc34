using System.Runtime.InteropServices;
using Dsno.Cli;

// Ctrl+C (and SIGTERM, as schedulers send) cancels the running step, which then saves its state; a second Ctrl+C ends the process.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancel.IsCancellationRequested) return;
    e.Cancel = true;
    cancel.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancel.Cancel();
});

// With --json, stdout carries only the JSON object: progress bars then go to stderr.
bool json = args.Contains("--json");
var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(json ? Console.Error : Console.Out) });
// Redirected to a file or pipe: keep each result on one line instead of wrapping at 80 columns.
if (json ? Console.IsErrorRedirected : Console.IsOutputRedirected) console.Profile.Width = 400;
return DsnoCli.Run(args, console, Console.Out, Console.Error, cancel.Token);
