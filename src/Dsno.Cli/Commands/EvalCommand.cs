namespace Dsno.Cli.Commands;

/// <summary>
/// <c>dsno eval</c>: generates images with a saved model and measures them against labelled reference images with
/// <see cref="DsnoMetrics"/>: FD and KID on the features of a small classifier trained on the reference (no Inception weights here, so FD,
/// not FID), improved precision and recall, and the generation time per 1,000 images.
/// </summary>
public sealed class EvalCommand : Command
{
    private readonly Option<string> modelFile = CliOptions.RequiredPath("--model", "Model zip: DSNO (from 'dsno fit') or a teacher (from 'dsno teacher').");
    private readonly Option<string> referenceData = CliOptions.RequiredPath("--reference", "Labelled reference images: 'digits', an IDX images file (with --labels) or a folder (sub-folder = class).");
    private readonly Option<string?> labels = CliOptions.OptionalPath("--labels", "IDX labels file of an IDX --reference.");
    private readonly Option<int?> pad = CliOptions.OptionalInt("--pad", "Zero padding on each side of IDX images.", min: 0);
    private readonly Option<(int Height, int Width)?> size = CliOptions.Size("--size", "Size HxW that a folder's images are resized to.");
    private readonly Option<bool> grayscale = CliOptions.Flag("--grayscale", "Read a folder's images as one channel.");
    private readonly Option<int> count = CliOptions.Int("--count", 1000, "Images to generate and evaluate.");
    private readonly Option<int> seed = CommonOptions.Seed("Seed of the noise and of the metrics' held-out split.");
    private readonly Option<string?> solver = CommonOptions.Solver();
    private readonly Option<int?> solverSteps = CommonOptions.SolverSteps();
    private readonly Option<string?> cache = CliOptions.OptionalPath("--cache", "Folder where the feature classifier is cached (default: the temp folder).");
    private readonly Option<int> threads = CommonOptions.Threads();
    private readonly Option<double?> guidance = CommonOptions.Guidance("Classifier-free guidance scale w of the generation (as for 'dsno sample'; required for a DSNO that takes w as an input).");

    /// <summary>Creates the verb.</summary>
    public EvalCommand(CliContext context) : base("eval", "Measure a model's images against reference data: FD, KID, precision, recall and speed.")
    {
        foreach (var option in new Option[] { modelFile, referenceData, labels, pad, size, grayscale, count, seed, solver, solverSteps, guidance, cache,
            threads }) Options.Add(option);
        SetAction(r => Execute(context, r));
    }

    private int Execute(CliContext context, ParseResult r)
    {
        string modelPath = r.GetValue(modelFile)!, referencePath = r.GetValue(referenceData)!;
        int count = r.GetValue(this.count);
        if (count < 2) throw new UsageException("--count must be at least 2 (the metrics need several images)");
        CommonOptions.ApplyThreads(r.GetValue(threads));
        var ml = new MLContext(seed: r.GetValue(seed));
        context.ForwardLibraryWarnings(ml);
        var model = ModelFiles.LoadGenerator(ml, "--model", modelPath).With(null, CommonOptions.ParseSolver(r.GetValue(solver)), r.GetValue(solverSteps)).WithGuidance(r.GetValue(guidance));
        model.RequireGuidance();
        var reference = ImageSources.Load(ml, "--reference", referencePath, r.GetValue(labels), r.GetValue(pad), r.GetValue(size), r.GetValue(grayscale));
        if (reference.Schema.GetColumnOrNull(DsnoColumnNames.Label) is null)
        {
            throw File.Exists(referencePath)
                ? new UsageException($"--reference '{referencePath}' needs its labels to train the feature classifier: give them with --labels")
                : new BadInputException($"--reference '{referencePath}' has no class sub-folders; the metrics need labelled reference images");
        }
        if (reference.Schema[DsnoColumnNames.Image].Type is Microsoft.ML.Data.VectorDataViewType { Dimensions: var d } && d.Length == 3
            && (d[0] != model.Channels || d[1] != model.Height || d[2] != model.Width))
        {
            throw new BadInputException($"--reference '{referencePath}' holds {d[0]}x{d[1]}x{d[2]} images but '{modelPath}' makes " +
                $"{model.Channels}x{model.Height}x{model.Width}; give reference data of the model's size (see --pad / --size)");
        }

        var clock = Stopwatch.StartNew();
        var (generation, metrics) = ProgressRenderer.Run(context, board =>
        {
            var bar = board.Add("eval", $"generate ({model.Kind})", count, "images");
            var generated = ImageGeneration.Run(context, ml, model, count, r.GetValue(seed), label: null, bar, keepImages: count, keepTrajectories: 0, idvPath: null);
            bar.Complete();
            var scoring = board.Add("eval", "feature classifier and metrics", 1, "runs");
            scoring.Indeterminate(true);
            var options = new DsnoMetricsOptions { Seed = r.GetValue(seed) };
            if (r.GetValue(cache) is { } cacheDirectory) options.CacheDirectory = cacheDirectory;
            GenerationMetrics result;
            try { result = DsnoMetrics.Evaluate(ml, ImageGeneration.ToDataView(ml, generated.Images, model.Channels, model.Height, model.Width), reference, options); }
            catch (ArgumentException e)
            {
                throw new BadInputException($"cannot evaluate against --reference '{referencePath}': {ErrorMapper.ArgumentMessage(e.Message)}", e);
            }
            scoring.Complete();
            return (generated, result);
        });
        clock.Stop();

        double per1000 = generation.Elapsed.TotalSeconds / count * 1000;
        context.Result(new JsonObject
        {
            ["command"] = "eval",
            ["model"] = Path.GetFullPath(modelPath),
            ["kind"] = model.Kind,
            ["reference"] = referencePath,
            ["count"] = metrics.SampleCount,
            ["seed"] = r.GetValue(seed),
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
                .Title($"{Markup.Escape(model.Description)} vs {Markup.Escape(referencePath)}");
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
