using Dsno.Runtime;
using Dsno.Onnx;

namespace Dsno.Cli.Commands;

/// <summary>
/// <c>dsno export</c>: writes a saved DSNO model as an ONNX file (opset 17, float32; inputs <c>noise</c> and, for a class-conditional
/// model, <c>labels</c>, and for a DSNO that takes w as an input, <c>guidance</c>; outputs <c>image</c> and <c>trajectory</c>). Before writing, it runs the export in ONNX Runtime on a few noises
/// and compares it with the TorchSharp model; the file is written only when they agree, atomically.
/// </summary>
public sealed class ExportCommand : Command
{
    /// <summary>Largest max absolute difference (pixels in [-1, 1]) between ONNX Runtime and TorchSharp that the check accepts.</summary>
    public const double Tolerance = 1e-4;

    private readonly Option<string> model = CliOptions.RequiredPath("--model", "DSNO model zip (from 'dsno fit').");
    private readonly Option<string> onnx = CliOptions.RequiredPath("--onnx", "ONNX file to write.");
    private readonly Option<int> check = CliOptions.Int("--check", 4, "Noises on which ONNX Runtime is compared with TorchSharp before the file is written (0: no check).", min: 0);
    private readonly Option<int> threads = CommonOptions.Threads();

    /// <summary>Creates the verb.</summary>
    public ExportCommand(CliContext context) : base("export", "Export a saved DSNO model to ONNX (runs in ONNX Runtime, ML.NET's ApplyOnnxModel and browsers).")
    {
        foreach (var option in new Option[] { model, onnx, check, threads }) Options.Add(option);
        SetAction(r => Execute(context, r.GetValue(model)!, r.GetValue(onnx)!, r.GetValue(check), r.GetValue(threads)));
    }

    private static int Execute(CliContext context, string modelPath, string onnxPath, int check, int threads)
    {
        if (Directory.Exists(onnxPath)) throw new UsageException($"--onnx '{onnxPath}' is a folder; give a file path such as dsno.onnx");
        CommonOptions.ApplyThreads(threads);
        var dsno = ModelFiles.LoadDsno(new MLContext(seed: 0), "--model", modelPath);
        byte[] bytes;
        using (var buffer = new MemoryStream())
        {
            dsno.ExportOnnx(buffer);
            bytes = buffer.ToArray();
        }

        double? difference = null;
        if (check > 0)
        {
            using var session = DsnoOnnxSession.Open(bytes, "the export");
            difference = DsnoOnnxVerifier.MaxAbsDifference(dsno.Model, session, check, seed: 0);
            if (!(difference <= Tolerance))
                throw new InvalidOperationException($"the export does not reproduce the model: max |ONNX Runtime - TorchSharp| = {difference:E2} > {Tolerance:E0} " +
                                                    $"on {check} noises; nothing was written (rerun with --verbose and report it)");
        }
        AtomicFile.WriteAllBytes(onnxPath, bytes);

        var a = dsno.Model.Architecture;
        context.Result(new JsonObject
        {
            ["command"] = "export",
            ["model"] = Path.GetFullPath(modelPath),
            ["onnx"] = Path.GetFullPath(onnxPath),
            ["bytes"] = bytes.Length,
            ["opset"] = OnnxGraphBuilder.OpsetVersion,
            ["frameTimes"] = new JsonArray(dsno.Model.FrameTimes.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            ["imageShape"] = new JsonArray(a.Channels, a.Height, a.Width),
            ["classes"] = a.NumClasses,
            ["guidanceRange"] = dsno.GuidanceRange is { } g ? new JsonArray(g.Min, g.Max) : null,
            ["checkedNoises"] = check,
            ["maxAbsDifference"] = difference is { } d ? CliContext.Number(d) : null,
        }, () =>
        {
            string kind = (a.NumClasses > 0 ? $"{a.NumClasses} classes" : "unconditional") +
                (dsno.GuidanceRange is { } g ? $", input guidance for w in {Markup.Escape(CommonOptions.Format(g))}" : "");
            string verified = difference is { } d
                ? $"; ONNX Runtime matches TorchSharp on {check} noises (max |difference| {d:E1})"
                : "; not checked (--check 0)";
            context.Console.MarkupLine($"[green]exported[/] DSNO M={dsno.Model.FrameTimes.Length} ({a.Channels}x{a.Height}x{a.Width}, {kind}) to " +
                                       $"[bold]{Markup.Escape(onnxPath)}[/]: {bytes.Length / 1e6:0.00} MB, opset {OnnxGraphBuilder.OpsetVersion}{Markup.Escape(verified)}");
        });
        return ExitCodes.Success;
    }
}
