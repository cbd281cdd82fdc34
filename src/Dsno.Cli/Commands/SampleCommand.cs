namespace Dsno.Cli.Commands;

/// <summary>
/// <c>dsno sample</c>: generates images with a saved DSNO model (one forward pass per batch; <c>--times</c> decodes at any times in [0, 1])
/// or a teacher (an ODE solve), and writes a PNG grid, a <c>.idv</c> file of the output rows and/or a PNG strip of trajectories.
/// </summary>
public sealed class SampleCommand : Command
{
    private const int MaxGridImages = 1024;
    private const int StripRows = 8;

    private readonly Option<string> modelFile = CliOptions.RequiredPath("--model", "Model zip: DSNO (from 'dsno fit') or a teacher (from 'dsno teacher').");
    private readonly Option<int> count = CliOptions.Int("--count", 64, "Images to generate.");
    private readonly Option<int> seed = CommonOptions.Seed("Seed of the noise: image i uses the noise drawn for (seed, i).");
    private readonly Option<int?> label = CliOptions.OptionalInt("--label", "Class of every image (class-conditional models; default: random classes).", min: 0);
    private readonly Option<float[]?> times = CliOptions.FloatList("--times", "Decode at these times (DSNO: any in [0, 1]; teacher: a frame grid ending at 0); the image is the last.");
    private readonly Option<string?> solver = CommonOptions.Solver();
    private readonly Option<int?> solverSteps = CommonOptions.SolverSteps();
    private readonly Option<string?> png = CliOptions.OptionalPath("--png", "PNG file for a grid of the images.");
    private readonly Option<int> columns = CliOptions.Int("--columns", 8, "Images per row of the grid.");
    private readonly Option<string?> idv = CliOptions.OptionalPath("--idv", "ML.NET binary file (.idv) for the output rows (Noise, Label, Trajectory, Image).");
    private readonly Option<string?> strip = CliOptions.OptionalPath("--strip", "PNG file for the first trajectories, one row each, noisiest frame left.");
    private readonly Option<int> threads = CommonOptions.Threads();
    private readonly Option<double?> guidance = CommonOptions.Guidance("Classifier-free guidance scale w (class-conditional models; a teacher trained with label dropout solves at any w, a DSNO only at the w it was distilled at or, if w-conditioned, any w: required there, with a warning outside the trained range).");

    /// <summary>Creates the verb.</summary>
    public SampleCommand(CliContext context) : base("sample", "Generate images with a saved DSNO or teacher model.")
    {
        foreach (var option in new Option[] { modelFile, count, seed, label, times, solver, solverSteps, guidance, png, columns, idv, strip, threads }) Options.Add(option);
        SetAction(r => Execute(context, r));
    }

    private int Execute(CliContext context, ParseResult r)
    {
        string? png = r.GetValue(this.png), idv = r.GetValue(this.idv), strip = r.GetValue(this.strip);
        int count = r.GetValue(this.count);
        if (png is null && idv is null && strip is null) throw new UsageException("nothing to write: give --png, --idv and/or --strip");
        CommonOptions.ApplyThreads(r.GetValue(threads));
        var ml = new MLContext(seed: r.GetValue(seed));
        context.ForwardLibraryWarnings(ml);
        var model = ModelFiles.LoadGenerator(ml, "--model", r.GetValue(modelFile)!).With(CommonOptions.NonEmpty(r.GetValue(times)), CommonOptions.ParseSolver(r.GetValue(solver)), r.GetValue(solverSteps)).WithGuidance(r.GetValue(guidance));
        model.RequireGuidance();
        model.CheckLabel(r.GetValue(label));
        if (model.Channels is not (1 or 3) && (png is not null || strip is not null))
            throw new BadInputException($"the model '{r.GetValue(modelFile)!}' makes {model.Channels}-channel images, which cannot be drawn as PNG; use --idv");

        var result = ProgressRenderer.Run(context, board =>
        {
            var bar = board.Add("sample", $"sample ({model.Kind})", count, "images");
            var generated = ImageGeneration.Run(context, ml, model, count, r.GetValue(seed), r.GetValue(label), bar,
                keepImages: png is null ? 0 : Math.Min(count, MaxGridImages), keepTrajectories: strip is null ? 0 : Math.Min(count, StripRows), idv);
            bar.Complete();
            return generated;
        });
        if (png is not null) DsnoImages.SaveGrid(result.Images, model.Channels, model.Height, model.Width, png, r.GetValue(columns));
        if (strip is not null) DsnoImages.SaveTrajectoryStrip(result.Trajectories, model.OutputTimes.Count, model.Channels, model.Height, model.Width, strip);

        double per1000 = result.Elapsed.TotalSeconds / count * 1000;
        context.Result(new JsonObject
        {
            ["command"] = "sample",
            ["model"] = Path.GetFullPath(r.GetValue(modelFile)!),
            ["kind"] = model.Kind,
            ["count"] = count,
            ["seed"] = r.GetValue(seed),
            ["label"] = r.GetValue(label),
            ["guidance"] = model.GuidanceScale,
            ["guidanceRange"] = model.GuidanceRange is { } g ? new JsonArray(g.Min, g.Max) : null,
            ["times"] = new JsonArray(model.OutputTimes.Select(t => (JsonNode?)JsonValue.Create((float)t)).ToArray()),
            ["png"] = png is null ? null : Path.GetFullPath(png),
            ["idv"] = idv is null ? null : Path.GetFullPath(idv),
            ["strip"] = strip is null ? null : Path.GetFullPath(strip),
            ["forwardPasses"] = result.ForwardPasses,
            ["seconds"] = result.Elapsed.TotalSeconds,
            ["secondsPer1000Images"] = per1000,
        }, () =>
        {
            var written = new[] { png, idv, strip }.Where(p => p is not null).Select(p => $"[bold]{Markup.Escape(p!)}[/]");
            context.Console.MarkupLine($"[green]{count:N0} images[/] from {Markup.Escape(model.Description)} written to {string.Join(", ", written)}: " +
                $"{result.ForwardPasses:N0} forward passes, {result.Elapsed.TotalSeconds:0.00} s ({per1000:0.00} s per 1,000 images)");
        });
        return ExitCodes.Success;
    }
}
