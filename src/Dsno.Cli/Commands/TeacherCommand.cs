namespace Dsno.Cli.Commands;

/// <summary>
/// <c>dsno teacher</c>: trains a diffusion teacher (<c>ml.Transforms.DiffusionTeacher</c>) on the digits, an IDX file or an image folder
/// and saves it as an ML.NET model zip. Ctrl+C saves a checkpoint; rerunning the same command resumes from it.
/// </summary>
public static class TeacherCommand
{
    /// <summary>Creates the verb.</summary>
    public static Command Create(CliContext context)
    {
        var data = CliOptions.RequiredPath("--data", "Training images: 'digits' (embedded 8x8), an IDX images file (.gz or raw) or a folder of PNG/JPEG images (sub-folder = class).");
        var labels = CliOptions.OptionalPath("--labels", "IDX labels file that goes with an IDX images file.");
        var pad = CliOptions.OptionalInt("--pad", "Zero padding on each side of IDX images (28 + 2 x 2 = 32).", min: 0);
        var size = CliOptions.Size("--size", "Size HxW that the images of a folder are resized to.");
        var grayscale = CliOptions.Flag("--grayscale", "Read a folder's images as one channel.");
        var conditional = CliOptions.Flag("--conditional", "Train a class-conditional teacher on the labels.");
        var labelDropout = CliOptions.Number("--label-dropout", 0.1,
            "Share of labels replaced by the null class in training, so that the teacher can be guided (with --conditional; 0: no guidance).",
            p => p >= 0 && p < 1, token => $"--label-dropout must be a number in [0, 1), got '{token}'");
        var guidance = CommonOptions.Guidance("Classifier-free guidance scale w the saved teacher samples with (needs --conditional and --label-dropout > 0; default 0).");
        var steps = CliOptions.Int("--steps", 2000, "Optimiser steps.");
        var batch = CliOptions.Int("--batch", 64, "Images per step.");
        var lr = CliOptions.PositiveNumber("--lr", 5e-4, "Peak Adam learning rate.");
        var warmup = CliOptions.Int("--warmup", 100, "Steps of linear learning-rate warm-up.", min: 0);
        var channels = CliOptions.Int("--channels", 32, "Channels of the first U-Net level.");
        var mult = CliOptions.IntList("--mult", new[] { 1, 2, 2 }, "Channel multiplier of each U-Net level.");
        var resBlocks = CliOptions.Int("--res-blocks", 2, "Residual blocks per U-Net level.");
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var device = CommonOptions.Device();
        var output = CliOptions.RequiredPath("--out", "Model file to write (ML.NET zip), e.g. teacher.zip.");
        var (checkpoint, checkpointEvery) = CommonOptions.Checkpointing();

        var command = new Command("teacher", "Train a diffusion teacher and save it as an ML.NET model zip.")
        {
            data, labels, pad, size, grayscale, conditional, labelDropout, guidance, steps, batch, lr, warmup, channels, mult, resBlocks, seed, threads, device, output,
            checkpoint, checkpointEvery,
        };
        command.SetAction(r => Execute(context, new Settings(
            r.GetValue(data)!, r.GetValue(labels), r.GetValue(pad), r.GetValue(size), r.GetValue(grayscale), r.GetValue(conditional),
            r.GetValue(steps), r.GetValue(batch), r.GetValue(lr), r.GetValue(warmup), r.GetValue(channels), r.GetValue(mult)!,
            r.GetValue(resBlocks), r.GetValue(seed), r.GetValue(threads), r.GetValue(device)!, r.GetValue(output)!, r.GetValue(checkpoint),
            r.GetValue(checkpointEvery), r.GetValue(labelDropout), r.GetValue(guidance))));
        return command;
    }

    private sealed record Settings(string Data, string? Labels, int? Pad, (int Height, int Width)? Size, bool Grayscale, bool Conditional,
        int Steps, int Batch, double LearningRate, int Warmup, int Channels, int[] Multipliers, int ResBlocks, int Seed, int Threads,
        string Device, string Out, string? Checkpoint, int CheckpointEvery, double LabelDropout, double? Guidance);

    private static int Execute(CliContext context, Settings s)
    {
        CommonOptions.ApplyThreads(s.Threads);
        if (s.Guidance is > 0 && !s.Conditional)
            throw new UsageException("--guidance needs a class-conditional teacher: add --conditional (classifier-free guidance mixes the class and the null class)");
        if (s.Guidance is > 0 && s.LabelDropout == 0)
            throw new UsageException("--guidance needs --label-dropout > 0: the teacher must learn the null class to be guided");
        var ml = new MLContext(seed: s.Seed);
        var images = ImageSources.Load(ml, "--data", s.Data, s.Labels, s.Pad, s.Size, s.Grayscale);
        bool hasLabels = images.Schema.GetColumnOrNull(DsnoColumnNames.Label) is not null;
        if (s.Conditional && !hasLabels)
        {
            if (File.Exists(s.Data)) throw new UsageException($"--conditional needs labels: give the IDX labels file of '{s.Data}' with --labels");
            throw new BadInputException($"--conditional needs labels, but '{s.Data}' has no class sub-folders; put each class in its own sub-folder or drop --conditional");
        }
        var (teacher, reporter, resumedFrom, elapsed) = CheckpointedTraining.Run(context, ml, "teacher", s.Steps, s.Out, s.Checkpoint, (checkpoint, progress) =>
        {
            var options = new DiffusionTeacherOptions
            {
                LabelColumnName = s.Conditional ? DsnoColumnNames.Label : null, LabelDropout = s.LabelDropout, GuidanceScale = s.Guidance ?? 0,
                BaseChannels = s.Channels, ChannelMultipliers = s.Multipliers, ResBlocksPerLevel = s.ResBlocks,
                TrainingSteps = s.Steps, BatchSize = s.Batch, LearningRate = s.LearningRate, WarmupSteps = s.Warmup, Seed = s.Seed,
                Threads = s.Threads, Device = s.Device, CheckpointPath = checkpoint, CheckpointInterval = s.CheckpointEvery,
                Progress = progress, CancellationToken = context.CancellationToken,
            };
            return ml.Transforms.DiffusionTeacher(options).Fit(images);
        }, t => (t.Teacher.Architecture.Channels, t.Teacher.Architecture.Height, t.Teacher.Architecture.Width, t.ClassCount));
        var a = teacher.Teacher.Architecture;

        context.Result(new JsonObject
        {
            ["command"] = "teacher",
            ["out"] = CommonOptions.Full(s.Out),
            ["steps"] = s.Steps,
            ["resumedFromStep"] = resumedFrom,
            ["finalLoss"] = CliContext.Number(reporter.LastLoss),
            ["averageLoss"] = CliContext.Number(reporter.SmoothedLoss),
            ["parameters"] = teacher.Teacher.Network.ParameterCount,
            ["channels"] = a.Channels,
            ["height"] = a.Height,
            ["width"] = a.Width,
            ["classes"] = teacher.ClassCount,
            ["labelDropout"] = teacher.Teacher.SupportsGuidance ? s.LabelDropout : 0,
            ["guidance"] = teacher.GuidanceScale,
            ["seconds"] = elapsed.TotalSeconds,
        }, () =>
        {
            context.Console.MarkupLine($"[green]teacher saved[/] to [bold]{Markup.Escape(s.Out)}[/]: {teacher.Teacher.Network.ParameterCount:N0} parameters, " +
                $"{a.Channels}x{a.Height}x{a.Width}{(teacher.ClassCount > 0 ? $", {teacher.ClassCount} classes" : "")}, " +
                $"{s.Steps} steps{(resumedFrom > 0 ? $" (resumed at {resumedFrom})" : "")}, final loss {reporter.LastLoss:0.0000}, {elapsed.TotalSeconds:0.0} s");
        });
        return ExitCodes.Success;
    }
}
