using Dsno.Training;

namespace Dsno.Cli.Commands;

/// <summary>
/// <c>dsno fit</c>: fits the DSNO operator (<c>ml.Transforms.Dsno</c>) from the teacher's weights on trajectory <c>.idv</c> files, read as one
/// streaming view, and saves it as an ML.NET model zip. Ctrl+C saves a checkpoint; rerunning the same command resumes from it.
/// </summary>
public sealed class FitCommand : Command
{
    private readonly Option<string> teacher = CliOptions.RequiredPath("--teacher", "Teacher model zip whose weights initialise the backbone.");
    private readonly Option<string[]> data = new("--data")
    {
        Description = "Trajectory .idv files or folders of them (written by 'dsno trajectories'); several are read as one.",
        Required = true,
        AllowMultipleArgumentsPerToken = true,
    };
    private readonly Option<int> steps = CliOptions.Int("--steps", 1000, "Optimiser steps.");
    private readonly Option<int> batch = CliOptions.Int("--batch", 64, "Trajectories per step.");
    private readonly Option<double> lr = CliOptions.PositiveNumber("--lr", 2e-4, "Peak Adam learning rate.");
    private readonly Option<int> warmup = CliOptions.Int("--warmup", 100, "Steps of linear learning-rate warm-up.", min: 0);
    private readonly Option<int?> modes = CliOptions.OptionalInt("--modes", "Temporal Fourier modes J (default: the largest below the Nyquist bin, M/2 for even M).");
    private readonly Option<string?> weighting = CliOptions.Choice("--weighting", "Loss weighting over frames", "sqrtsnr", "uniform");
    private readonly Option<string?> decay = CliOptions.Choice("--lr-decay", "Learning rate after the warm-up: constant, or a cosine (default) or linear fall to zero", "constant", "cosine", "linear");
    private readonly Option<string?> loss = CliOptions.Choice("--loss", "Distance between predicted and solver frames (default pseudo-huber)", "l1", "l2", "pseudo-huber");
    private readonly Option<int> seed = CommonOptions.Seed();
    private readonly Option<int> threads = CommonOptions.Threads();
    private readonly Option<string> device = CommonOptions.Device();
    private readonly Option<string> output = CliOptions.RequiredPath("--out", "Model file to write (ML.NET zip), e.g. dsno.zip.");
    private readonly (Option<string?> Path, Option<int> Every) checkpoint = CommonOptions.Checkpointing();
    private readonly Option<double?> guidance = CommonOptions.Guidance("The guidance scale w the trajectories were solved at (checked against their Guidance annotation): DSNO distils one w per model. " +
        "Trajectories made with 'dsno trajectories --guidance-range' (a w per record) need none: they make a DSNO that takes w as an input.");

    /// <summary>Creates the verb.</summary>
    public FitCommand(CliContext context) : base("fit", "Fit DSNO on teacher trajectories and save it as an ML.NET model zip.")
    {
        foreach (var option in new Option[] { teacher, data, steps, batch, lr, warmup, modes, weighting, decay, loss, guidance, seed, threads,
            device, output, checkpoint.Path, checkpoint.Every }) Options.Add(option);
        SetAction(r => Execute(context, r));
    }

    /// <summary>
    /// Trajectories with a w per record (a <c>Guidance</c> column, from <c>dsno trajectories --guidance-range</c>): the teacher must be
    /// class-conditional, and <c>--guidance</c> is refused, as the DSNO fitted on them takes w as an input.
    /// </summary>
    private static void CheckGuidanceRange(DiffusionTeacherTransformer teacher, IDataView trajectories, string file, double? guidance)
    {
        string range = TrajectoryShardFolder.ReadShardSettings(trajectories)?.GuidanceRange is [var min, var max]
            ? $"over w in {CommonOptions.Format((min, max))}" : "over the range of their Guidance column";
        if (guidance is { } w)
            throw new BadInputException($"--guidance {w.ToString(System.Globalization.CultureInfo.InvariantCulture)}: the trajectories in '{file}' are w-conditioned {range} " +
                "(a w per record, from 'dsno trajectories --guidance-range'); drop --guidance: the DSNO fitted on them takes w as an input ('dsno sample --guidance W')");
        if (teacher.ClassCount == 0)
            throw new BadInputException($"--data '{file}' holds per-record guidance scales, but the teacher is unconditional; fit them with the class-conditional teacher that made them");
    }

    /// <summary><c>--guidance W</c>: the model must be guidable and the trajectories must have been solved at W.</summary>
    private static void CheckGuidance(DiffusionTeacherTransformer teacher, IDataView trajectories, string file, double? guidance)
    {
        if (guidance is not { } w) return;
        if (teacher.ClassCount == 0 && w > 0)
            throw new BadInputException($"--guidance {w}: the teacher is unconditional and cannot be guided; drop --guidance");
        double recorded = TrajectoryAnnotations.ReadGuidance(trajectories.Schema[DsnoColumnNames.Trajectory]) ?? 0;
        if ((float)recorded != (float)w)
            throw new BadInputException($"--guidance {w}: the trajectories in '{file}' were solved at w = {recorded}; DSNO distils one w per model, so make trajectories with 'dsno trajectories --guidance {w}' or drop --guidance");
    }

    private int Execute(CliContext context, ParseResult r)
    {
        if (r.GetValue(data)!.Length == 0) throw new UsageException("--data needs at least one .idv file or folder");
        CommonOptions.ApplyThreads(r.GetValue(threads));
        var ml = new MLContext(seed: r.GetValue(seed));
        var teacher = ModelFiles.LoadTeacher(ml, "--teacher", r.GetValue(this.teacher)!);
        var files = TrajectoryFiles.Resolve(r.GetValue(data)!);
        var columns = new List<string> { DsnoColumnNames.Noise, DsnoColumnNames.Trajectory };
        if (teacher.ClassCount > 0) columns.Add(DsnoColumnNames.Label);
        var trajectories = TrajectoryFiles.Open(ml, files, columns);
        long rows = trajectories.GetRowCount() ?? -1;
        CheckAgainstTeacher(teacher, trajectories, files[0]);
        // A w per record (a Guidance column; the files must agree on having one): the DSNO then takes w as an input.
        bool perRecordGuidance = trajectories.Schema.GetColumnOrNull(DsnoColumnNames.Guidance) is not null;
        if (perRecordGuidance) CheckGuidanceRange(teacher, trajectories, files[0], r.GetValue(guidance));
        else CheckGuidance(teacher, trajectories, files[0], r.GetValue(guidance));
        CheckModes(trajectories, r.GetValue(modes));

        context.Info($"fitting DSNO on {(rows >= 0 ? rows.ToString("N0") : "?")} trajectories from {files.Count} file(s)");
        var (dsno, reporter, resumedFrom, elapsed) = CheckpointedTraining.Run(context, ml, "dsno", r.GetValue(steps), r.GetValue(output)!, r.GetValue(checkpoint.Path), (checkpointFile, progress) =>
        {
            var options = new DsnoOptions
            {
                Teacher = teacher, LabelColumnName = teacher.ClassCount > 0 ? DsnoColumnNames.Label : null, TemporalModes = r.GetValue(modes),
                LossWeighting = r.GetValue(weighting) == "uniform" ? LossWeighting.Uniform : LossWeighting.SqrtSnr,
                TrainingSteps = r.GetValue(steps), BatchSize = r.GetValue(batch), LearningRate = r.GetValue(lr), WarmupSteps = r.GetValue(warmup), Seed = r.GetValue(seed),
                LearningRateDecay = r.GetValue(decay) switch { "constant" => LearningRateDecay.Constant, "linear" => LearningRateDecay.Linear, _ => LearningRateDecay.Cosine },
                Distance = r.GetValue(loss) switch { "l1" => TrajectoryDistance.L1, "l2" => TrajectoryDistance.L2, _ => TrajectoryDistance.PseudoHuber },
                Threads = r.GetValue(threads), Device = r.GetValue(device)!, CheckpointPath = checkpointFile, CheckpointInterval = r.GetValue(checkpoint.Every),
                Progress = progress, CancellationToken = context.CancellationToken,
            };
            return ml.Transforms.Dsno(options).Fit(trajectories);
        }, d => (d.Model.Architecture.Channels, d.Model.Architecture.Height, d.Model.Architecture.Width, d.ClassCount));

        var (total, temporal) = dsno.Parameters;
        context.Result(new JsonObject
        {
            ["command"] = "fit",
            ["out"] = Path.GetFullPath(r.GetValue(output)!),
            ["files"] = files.Count,
            ["trajectories"] = rows,
            ["steps"] = r.GetValue(steps),
            ["resumedFromStep"] = resumedFrom,
            ["finalLoss"] = CliContext.Number(reporter.LastLoss),
            ["averageLoss"] = CliContext.Number(reporter.SmoothedLoss),
            ["frames"] = dsno.Frames.Count,
            ["times"] = new JsonArray(dsno.Frames.Times.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            ["modes"] = dsno.Model.Network.Modes,
            ["guidance"] = dsno.GuidanceScale,
            ["guidanceRange"] = dsno.GuidanceRange is { } g ? new JsonArray(g.Min, g.Max) : null,
            ["parameters"] = total,
            ["temporalParameters"] = temporal,
            ["seconds"] = elapsed.TotalSeconds,
        }, () =>
        {
            context.Console.MarkupLine($"[green]DSNO saved[/] to [bold]{Markup.Escape(r.GetValue(output)!)}[/]: {dsno.Frames.Count} frames {Markup.Escape(dsno.Frames.ToString())}, " +
                $"J = {dsno.Model.Network.Modes}, {total:N0} parameters ({temporal:N0} temporal), " +
                (dsno.GuidanceRange is { } g ? $"w-conditioned on w in {Markup.Escape(CommonOptions.Format(g))}, " : dsno.GuidanceScale is > 0 and var w ? $"w = {w:G6}, " : "") +
                $"{r.GetValue(steps)} steps" +
                $"{(resumedFrom > 0 ? $" (resumed at {resumedFrom})" : "")}, final loss {reporter.LastLoss:0.0000}, {elapsed.TotalSeconds:0.0} s");
        });
        return ExitCodes.Success;
    }

    /// <summary><c>--modes J</c> must fit the trajectories' M frames: 1 &lt;= J &lt;= M/2 + 1.</summary>
    private static void CheckModes(IDataView trajectories, int? modes)
    {
        if (modes is not { } j) return;
        int m = ((Microsoft.ML.Data.VectorDataViewType)trajectories.Schema[DsnoColumnNames.Trajectory].Type).Dimensions[0];
        int max = Dsno.Networks.TemporalConvolution.MaxModes(m);
        if (j < 1 || j > max) throw new UsageException($"--modes {j}: J = {j} Fourier modes must be in [1, M/2 + 1] = [1, {max}] for M = {m} frames");
    }

    private static void CheckAgainstTeacher(DiffusionTeacherTransformer teacher, IDataView trajectories, string file)
    {
        var a = teacher.Teacher.Architecture;
        if (trajectories.Schema[DsnoColumnNames.Trajectory].Type is not Microsoft.ML.Data.VectorDataViewType { Dimensions: { Length: 4 } dims }
            || dims[1] != a.Channels || dims[2] != a.Height || dims[3] != a.Width)
        {
            throw new BadInputException($"--data '{file}' holds trajectories of {trajectories.Schema[DsnoColumnNames.Trajectory].Type}, but the teacher makes " +
                $"{a.Channels}x{a.Height}x{a.Width} images; fit trajectories made by this teacher");
        }
    }
}
