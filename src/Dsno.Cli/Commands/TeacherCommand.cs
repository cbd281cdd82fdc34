namespace Dsno.Cli.Commands;

/// <summary>
/// <c>dsno teacher</c>: trains a diffusion teacher (<c>ml.Transforms.DiffusionTeacher</c>) on the digits, an IDX file or an image folder
/// and saves it as an ML.NET model zip. Ctrl+C saves a checkpoint; rerunning the same command resumes from it.
/// </summary>
public sealed class TeacherCommand : Command
{
    private readonly Option<string> data = CliOptions.RequiredPath("--data", "Training images: 'digits' (embedded 8x8), an IDX images file (.gz or raw) or a folder of PNG/JPEG images (sub-folder = class).");
    private readonly Option<string?> labels = CliOptions.OptionalPath("--labels", "IDX labels file that goes with an IDX images file.");
    private readonly Option<int?> pad = CliOptions.OptionalInt("--pad", "Zero padding on each side of IDX images (28 + 2 x 2 = 32).", min: 0);
    private readonly Option<(int Height, int Width)?> size = CliOptions.Size("--size", "Size HxW that the images of a folder are resized to.");
    private readonly Option<bool> grayscale = CliOptions.Flag("--grayscale", "Read a folder's images as one channel.");
    private readonly Option<bool> conditional = CliOptions.Flag("--conditional", "Train a class-conditional teacher on the labels.");
    private readonly Option<double> labelDropout = CliOptions.Number("--label-dropout", 0.1,
        "Share of labels replaced by the null class in training, so that the teacher can be guided (with --conditional; 0: no guidance).",
        p => p >= 0 && p < 1, token => $"--label-dropout must be a number in [0, 1), got '{token}'");
    private readonly Option<double?> guidance = CommonOptions.Guidance("Classifier-free guidance scale w the saved teacher samples with (needs --conditional and --label-dropout > 0; default 0).");
    private readonly Option<int> steps = CliOptions.Int("--steps", 2000, "Optimiser steps.");
    private readonly Option<int> batch = CliOptions.Int("--batch", 64, "Images per step.");
    private readonly Option<double> lr = CliOptions.PositiveNumber("--lr", 5e-4, "Peak Adam learning rate.");
    private readonly Option<int> warmup = CliOptions.Int("--warmup", 100, "Steps of linear learning-rate warm-up.", min: 0);
    private readonly Option<int> channels = CliOptions.Int("--channels", 32, "Channels of the first U-Net level.");
    private readonly Option<int[]> mult = CliOptions.IntList("--mult", new[] { 1, 2, 2 }, "Channel multiplier of each U-Net level.");
    private readonly Option<int> resBlocks = CliOptions.Int("--res-blocks", 2, "Residual blocks per U-Net level.");
    private readonly Option<int> seed = CommonOptions.Seed();
    private readonly Option<int> threads = CommonOptions.Threads();
    private readonly Option<string> device = CommonOptions.Device();
    private readonly Option<string> output = CliOptions.RequiredPath("--out", "Model file to write (ML.NET zip), e.g. teacher.zip.");
    private readonly (Option<string?> Path, Option<int> Every) checkpoint = CommonOptions.Checkpointing();

    /// <summary>Creates the verb.</summary>
    public TeacherCommand(CliContext context) : base("teacher", "Train a diffusion teacher and save it as an ML.NET model zip.")
    {
        foreach (var option in new Option[] { data, labels, pad, size, grayscale, conditional, labelDropout, guidance, steps, batch, lr, warmup,
            channels, mult, resBlocks, seed, threads, device, output, checkpoint.Path, checkpoint.Every }) Options.Add(option);
        SetAction(r => Execute(context, r));
    }

    private int Execute(CliContext context, ParseResult r)
    {
        CommonOptions.ApplyThreads(r.GetValue(threads));
        if (r.GetValue(guidance) is > 0 && !r.GetValue(conditional))
            throw new UsageException("--guidance needs a class-conditional teacher: add --conditional (classifier-free guidance mixes the class and the null class)");
        if (r.GetValue(guidance) is > 0 && r.GetValue(labelDropout) == 0)
            throw new UsageException("--guidance needs --label-dropout > 0: the teacher must learn the null class to be guided");
        var ml = new MLContext(seed: r.GetValue(seed));
        var images = ImageSources.Load(ml, "--data", r.GetValue(data)!, r.GetValue(labels), r.GetValue(pad), r.GetValue(size), r.GetValue(grayscale));
        bool hasLabels = images.Schema.GetColumnOrNull(DsnoColumnNames.Label) is not null;
        if (r.GetValue(conditional) && !hasLabels)
        {
            if (File.Exists(r.GetValue(data)!)) throw new UsageException($"--conditional needs labels: give the IDX labels file of '{r.GetValue(data)!}' with --labels");
            throw new BadInputException($"--conditional needs labels, but '{r.GetValue(data)!}' has no class sub-folders; put each class in its own sub-folder or drop --conditional");
        }
        var (teacher, reporter, resumedFrom, elapsed) = CheckpointedTraining.Run(context, ml, "teacher", r.GetValue(steps), r.GetValue(output)!, r.GetValue(checkpoint.Path), (checkpointFile, progress) =>
        {
            var options = new DiffusionTeacherOptions
            {
                LabelColumnName = r.GetValue(conditional) ? DsnoColumnNames.Label : null, LabelDropout = r.GetValue(labelDropout), GuidanceScale = r.GetValue(guidance) ?? 0,
                BaseChannels = r.GetValue(channels), ChannelMultipliers = r.GetValue(mult)!, ResBlocksPerLevel = r.GetValue(resBlocks),
                TrainingSteps = r.GetValue(steps), BatchSize = r.GetValue(batch), LearningRate = r.GetValue(lr), WarmupSteps = r.GetValue(warmup), Seed = r.GetValue(seed),
                Threads = r.GetValue(threads), Device = r.GetValue(device)!, CheckpointPath = checkpointFile, CheckpointInterval = r.GetValue(checkpoint.Every),
                Progress = progress, CancellationToken = context.CancellationToken,
            };
            return ml.Transforms.DiffusionTeacher(options).Fit(images);
        }, t => (t.Teacher.Architecture.Channels, t.Teacher.Architecture.Height, t.Teacher.Architecture.Width, t.ClassCount));
        var a = teacher.Teacher.Architecture;

        context.Result(new JsonObject
        {
            ["command"] = "teacher",
            ["out"] = Path.GetFullPath(r.GetValue(output)!),
            ["steps"] = r.GetValue(steps),
            ["resumedFromStep"] = resumedFrom,
            ["finalLoss"] = CliContext.Number(reporter.LastLoss),
            ["averageLoss"] = CliContext.Number(reporter.SmoothedLoss),
            ["parameters"] = teacher.Teacher.Network.ParameterCount,
            ["channels"] = a.Channels,
            ["height"] = a.Height,
            ["width"] = a.Width,
            ["classes"] = teacher.ClassCount,
            ["labelDropout"] = teacher.Teacher.SupportsGuidance ? r.GetValue(labelDropout) : 0,
            ["guidance"] = teacher.GuidanceScale,
            ["seconds"] = elapsed.TotalSeconds,
        }, () =>
        {
            context.Console.MarkupLine($"[green]teacher saved[/] to [bold]{Markup.Escape(r.GetValue(output)!)}[/]: {teacher.Teacher.Network.ParameterCount:N0} parameters, " +
                $"{a.Channels}x{a.Height}x{a.Width}{(teacher.ClassCount > 0 ? $", {teacher.ClassCount} classes" : "")}, " +
                $"{r.GetValue(steps)} steps{(resumedFrom > 0 ? $" (resumed at {resumedFrom})" : "")}, final loss {reporter.LastLoss:0.0000}, {elapsed.TotalSeconds:0.0} s");
        });
        return ExitCodes.Success;
    }
}
