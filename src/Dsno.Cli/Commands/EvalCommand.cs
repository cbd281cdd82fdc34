namespace Dsno.Cli.Commands;

/// <summary>
/// <c>dsno eval</c>: generates images with a saved model and measures them against labelled reference images with
/// <see cref="DsnoMetrics"/>: FD and KID on the features of a small classifier trained on the reference (no Inception weights here, so FD,
/// not FID), improved precision and recall, and the generation time per 1,000 images.
/// </summary>
public static class EvalCommand
{
    /// <summary>Creates the verb.</summary>
    public static Command Create(CliContext context)
    {
        var model = CliOptions.RequiredPath("--model", "Model zip: DSNO (from 'dsno fit') or a teacher (from 'dsno teacher').");
        var reference = CliOptions.RequiredPath("--reference", "Labelled reference images: 'digits', an IDX images file (with --labels) or a folder (sub-folder = class).");
        var labels = CliOptions.OptionalPath("--labels", "IDX labels file of an IDX --reference.");
        var pad = CliOptions.OptionalInt("--pad", "Zero padding on each side of IDX images.", min: 0);
        var size = CliOptions.Size("--size", "Size HxW that a folder's images are resized to.");
        var grayscale = CliOptions.Flag("--grayscale", "Read a folder's images as one channel.");
        var count = CliOptions.Int("--count", 1000, "Images to generate and evaluate.");
        var seed = CommonOptions.Seed("Seed of the noise and of the metrics' held-out split.");
        var solver = CommonOptions.Solver();
        var solverSteps = CommonOptions.SolverSteps();
        var cache = CliOptions.OptionalPath("--cache", "Folder where the feature classifier is cached (default: the temp folder).");
        var threads = CommonOptions.Threads();
        var guidance = CommonOptions.Guidance("Classifier-free guidance scale w of the generation (as for 'dsno sample'; required for a DSNO that takes w as an input).");

        var command = new Command("eval", "Measure a model's images against reference data: FD, KID, precision, recall and speed.")
        {
            model, reference, labels, pad, size, grayscale, count, seed, solver, solverSteps, guidance, cache, threads,
        };
        command.SetAction(r => Execute(context, new Settings(r.GetValue(model)!, r.GetValue(reference)!, r.GetValue(labels), r.GetValue(pad),
            r.GetValue(size), r.GetValue(grayscale), r.GetValue(count), r.GetValue(seed), r.GetValue(solver), r.GetValue(solverSteps),
            r.GetValue(cache), r.GetValue(threads), r.GetValue(guidance))));
        return command;
    }

    private sealed record Settings(string Model, string Reference, string? Labels, int? Pad, (int Height, int Width)? Size, bool Grayscale,
        int Count, int Seed, string? Solver, int? SolverSteps, string? Cache, int Threads, double? Guidance);

    private static int Execute(CliContext context, Settings s)
    {
        if (s.Count < 2) throw new UsageException("--count must be at least 2 (the metrics need several images)");
        CommonOptions.ApplyThreads(s.Threads);
        var ml = new MLContext(seed: s.Seed);
        context.ForwardLibraryWarnings(ml);
        var model = ModelFiles.LoadGenerator(ml, "--model", s.Model).With(null, CommonOptions.ParseSolver(s.Solver), s.SolverSteps).WithGuidance(s.Guidance);
        model.RequireGuidance();
        var reference = ImageSources.Load(ml, "--reference", s.Reference, s.Labels, s.Pad, s.Size, s.Grayscale);
        if (reference.Schema.GetColumnOrNull(DsnoColumnNames.Label) is null)
        {
            throw File.Exists(s.Reference)
                ? new UsageException($"--reference '{s.Reference}' needs its labels to train the feature classifier: give them with --labels")
                : new BadInputException($"--reference '{s.Reference}' has no class sub-folders; the metrics need labelled reference images");
        }
        if (reference.Schema[DsnoColumnNames.Image].Type is Microsoft.ML.Data.VectorDataViewType { Dimensions: var d } && d.Length == 3
            && (d[0] != model.Channels || d[1] != model.Height || d[2] != model.Width))
        {
            throw new BadInputException($"--reference '{s.Reference}' holds {d[0]}x{d[1]}x{d[2]} images but '{s.Model}' makes " +
                $"{model.Channels}x{model.Height}x{model.Width}; give reference data of the model's size (see --pad / --size)");
        }

        var clock = Stopwatch.StartNew();
        var (generation, metrics) = ProgressRenderer.Run(context, board =>
        {
            var bar = board.Add("eval", $"generate ({model.Kind})", s.Count, "images");
            var generated = ImageGeneration.Run(context, ml, model, s.Count, s.Seed, label: null, bar, keepImages: s.Count, keepTrajectories: 0, idvPath: null);
            bar.Complete();
            var scoring = board.Add("eval", "feature classifier and metrics", 1, "runs");
            scoring.Indeterminate(true);
            var options = new DsnoMetricsOptions { Seed = s.Seed };
            if (s.Cache is not null) options.CacheDirectory = s.Cache;
            GenerationMetrics result;
            try { result = DsnoMetrics.Evaluate(ml, ImageGeneration.ToDataView(ml, generated.Images, model.Channels, model.Height, model.Width), reference, options); }
            catch (ArgumentException e)
            {
                throw new BadInputException($"cannot evaluate against --reference '{s.Reference}': {ErrorMapper.ArgumentMessage(e.Message)}", e);
            }
            scoring.Complete();
            return (generated, result);
        });
        clock.Stop();

        double per1000 = generation.Elapsed.TotalSeconds / s.Count * 1000;
        context.Result(new JsonObject
        {
            ["command"] = "eval",
            ["model"] = CommonOptions.Full(s.Model),
            ["kind"] = model.Kind,
            ["reference"] = s.Reference,
            ["count"] = metrics.SampleCount,
            ["seed"] = s.Seed,
            ["guidance"] = model.GuidanceScale,
            ["fd"] = CliContext.Number(metrics.FrechetDistance),
            ["kid"] = CliContext.Number(metrics.KernelDistance),
            ["kidStd"] = CliContext.Number(metrics.KernelDistanceStd),
            ["precision"] = CliContext.Number(metrics.Precision),
            ["recall"] = CliContext.Number(metrics.Recall),
            ["classifierAccuracy"] = CliContext.Number(metrics.ClassifierAccuracy),
            ["featureExtractor"] = metrics.FeatureExtractor,
            ["forwardPasses"] = generation.ForwardPasses,
            ["generationSeconds"] = generation.Elapsed.TotalSeconds,
            ["secondsPer1000Images"] = per1000,
            ["seconds"] = clock.Elapsed.TotalSeconds,
        }, () =>
        {
            var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned())
                .Title($"{Markup.Escape(model.Description)} vs {Markup.Escape(s.Reference)}");
            table.AddRow("FD (lower is better)", $"{metrics.FrechetDistance:0.000}");
            table.AddRow("KID", $"{metrics.KernelDistance:0.0000} ± {metrics.KernelDistanceStd:0.0000}");
            table.AddRow("precision", $"{metrics.Precision:0.000}");
            table.AddRow("recall", $"{metrics.Recall:0.000}");
            table.AddRow("images", $"{metrics.SampleCount:N0}");
            table.AddRow("forward passes", $"{generation.ForwardPasses:N0}");
            table.AddRow("time per 1,000 images", $"{per1000:0.00} s");
            table.AddRow("feature classifier accuracy", $"{metrics.ClassifierAccuracy:P1}");
            context.Console.Write(table);
            context.Console.MarkupLine($"[grey]{Markup.Escape(metrics.FeatureExtractor)}[/]");
        });
        return ExitCodes.Success;
    }
}
