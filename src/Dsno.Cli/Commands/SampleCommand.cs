namespace Dsno.Cli.Commands;

/// <summary>
/// <c>dsno sample</c>: generates images with a saved DSNO model (one forward pass per batch; <c>--times</c> decodes at any times in [0, 1])
/// or a teacher (an ODE solve), and writes a PNG grid, a <c>.idv</c> file of the output rows and/or a PNG strip of trajectories.
/// </summary>
public static class SampleCommand
{
    private const int MaxGridImages = 1024;
    private const int StripRows = 8;

    /// <summary>Creates the verb.</summary>
    public static Command Create(CliContext context)
    {
        var model = CliOptions.RequiredPath("--model", "Model zip: DSNO (from 'dsno fit') or a teacher (from 'dsno teacher').");
        var count = CliOptions.Int("--count", 64, "Images to generate.");
        var seed = CommonOptions.Seed("Seed of the noise: image i uses the noise drawn for (seed, i).");
        var label = CliOptions.OptionalInt("--label", "Class of every image (class-conditional models; default: random classes).", min: 0);
        var times = CliOptions.FloatList("--times", "Decode at these times (DSNO: any in [0, 1]; teacher: a frame grid ending at 0); the image is the last.");
        var solver = CommonOptions.Solver();
        var solverSteps = CommonOptions.SolverSteps();
        var png = CliOptions.OptionalPath("--png", "PNG file for a grid of the images.");
        var columns = CliOptions.Int("--columns", 8, "Images per row of the grid.");
        var idv = CliOptions.OptionalPath("--idv", "ML.NET binary file (.idv) for the output rows (Noise, Label, Trajectory, Image).");
        var strip = CliOptions.OptionalPath("--strip", "PNG file for the first trajectories, one row each, noisiest frame left.");
        var threads = CommonOptions.Threads();
        var guidance = CommonOptions.Guidance("Classifier-free guidance scale w (class-conditional models; a teacher trained with label dropout solves at any w, a DSNO only at the w it was distilled at or, if w-conditioned, any w: required there, with a warning outside the trained range).");

        var command = new Command("sample", "Generate images with a saved DSNO or teacher model.")
        {
            model, count, seed, label, times, solver, solverSteps, guidance, png, columns, idv, strip, threads,
        };
        command.SetAction(r => Execute(context, new Settings(r.GetValue(model)!, r.GetValue(count), r.GetValue(seed), r.GetValue(label),
            CommonOptions.NonEmpty(r.GetValue(times)), r.GetValue(solver), r.GetValue(solverSteps), r.GetValue(png), r.GetValue(columns), r.GetValue(idv),
            r.GetValue(strip), r.GetValue(threads), r.GetValue(guidance))));
        return command;
    }

    private sealed record Settings(string Model, int Count, int Seed, int? Label, float[]? Times, string? Solver, int? SolverSteps,
        string? Png, int Columns, string? Idv, string? Strip, int Threads, double? Guidance);

    private static int Execute(CliContext context, Settings s)
    {
        if (s.Png is null && s.Idv is null && s.Strip is null) throw new UsageException("nothing to write: give --png, --idv and/or --strip");
        CommonOptions.ApplyThreads(s.Threads);
        var ml = new MLContext(seed: s.Seed);
        context.ForwardLibraryWarnings(ml);
        var model = ModelFiles.LoadGenerator(ml, "--model", s.Model).With(s.Times, CommonOptions.ParseSolver(s.Solver), s.SolverSteps).WithGuidance(s.Guidance);
        model.RequireGuidance();
        model.CheckLabel(s.Label);
        if (model.Channels is not (1 or 3) && (s.Png is not null || s.Strip is not null))
            throw new BadInputException($"the model '{s.Model}' makes {model.Channels}-channel images, which cannot be drawn as PNG; use --idv");

        var result = ProgressRenderer.Run(context, board =>
        {
            var bar = board.Add("sample", $"sample ({model.Kind})", s.Count, "images");
            var r = ImageGeneration.Run(context, ml, model, s.Count, s.Seed, s.Label, bar,
                keepImages: s.Png is null ? 0 : Math.Min(s.Count, MaxGridImages), keepTrajectories: s.Strip is null ? 0 : Math.Min(s.Count, StripRows), s.Idv);
            bar.Complete();
            return r;
        });
        if (s.Png is not null) DsnoImages.SaveGrid(result.Images, model.Channels, model.Height, model.Width, s.Png, s.Columns);
        if (s.Strip is not null) DsnoImages.SaveTrajectoryStrip(result.Trajectories, model.OutputTimes.Count, model.Channels, model.Height, model.Width, s.Strip);

        double per1000 = result.Elapsed.TotalSeconds / s.Count * 1000;
        context.Result(new JsonObject
        {
            ["command"] = "sample",
            ["model"] = CommonOptions.Full(s.Model),
            ["kind"] = model.Kind,
            ["count"] = s.Count,
            ["seed"] = s.Seed,
            ["label"] = s.Label,
            ["guidance"] = model.GuidanceScale,
            ["guidanceRange"] = model.GuidanceRange is { } g ? new JsonArray(g.Min, g.Max) : null,
            ["times"] = new JsonArray(model.OutputTimes.Select(t => (JsonNode?)JsonValue.Create((float)t)).ToArray()),
            ["png"] = s.Png is null ? null : CommonOptions.Full(s.Png),
            ["idv"] = s.Idv is null ? null : CommonOptions.Full(s.Idv),
            ["strip"] = s.Strip is null ? null : CommonOptions.Full(s.Strip),
            ["forwardPasses"] = result.ForwardPasses,
            ["seconds"] = result.Elapsed.TotalSeconds,
            ["secondsPer1000Images"] = per1000,
        }, () =>
        {
            var written = new[] { s.Png, s.Idv, s.Strip }.Where(p => p is not null).Select(p => $"[bold]{Markup.Escape(p!)}[/]");
            context.Console.MarkupLine($"[green]{s.Count:N0} images[/] from {Markup.Escape(model.Description)} written to {string.Join(", ", written)}: " +
                $"{result.ForwardPasses:N0} forward passes, {result.Elapsed.TotalSeconds:0.00} s ({per1000:0.00} s per 1,000 images)");
        });
        return ExitCodes.Success;
    }
}
