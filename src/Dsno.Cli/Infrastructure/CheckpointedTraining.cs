namespace Dsno.Cli.Infrastructure;

/// <summary>
/// The run of a training verb (<c>dsno teacher</c>, <c>dsno fit</c>): a progress bar, a checkpoint that Ctrl+C leaves and a rerun of
/// the same command resumes from, the model saved atomically with the input schema of its noise (and labels), and the checkpoint
/// removed after success unless the user named it.
/// </summary>
public static class CheckpointedTraining
{
    /// <summary>What a training run produced.</summary>
    /// <param name="Model">The trained model (saved).</param>
    /// <param name="Progress">Its progress reports (losses).</param>
    /// <param name="ResumedFromStep">The step the run resumed at, or 0.</param>
    /// <param name="Elapsed">Wall time of the training and the save.</param>
    public sealed record Outcome<T>(T Model, TrainingProgressReporter Progress, int ResumedFromStep, TimeSpan Elapsed);

    /// <summary>Trains with <paramref name="train"/> (given the checkpoint path and the progress reporter) and saves to <paramref name="output"/>.</summary>
    /// <param name="context">The verb's context.</param>
    /// <param name="ml">The context the model is saved with.</param>
    /// <param name="stage">The progress stage and bar name.</param>
    /// <param name="steps">Training steps.</param>
    /// <param name="output">The model zip.</param>
    /// <param name="checkpointOption">The <c>--checkpoint</c> value, or null for <c>OUT.checkpoint</c> (then removed after success).</param>
    /// <param name="train">Trains the model.</param>
    /// <param name="noiseShape">The trained model's image shape and class count (0: unconditional), for its input schema.</param>
    public static Outcome<T> Run<T>(CliContext context, MLContext ml, string stage, int steps, string output, string? checkpointOption,
        Func<string, TrainingProgressReporter, T> train, Func<T, (int Channels, int Height, int Width, int Classes)> noiseShape) where T : ITransformer
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(ml);
        string checkpoint = checkpointOption ?? output + ".checkpoint";
        bool resuming = File.Exists(checkpoint);
        context.InterruptedHint = $"checkpoint saved to '{checkpoint}'; rerun the same command to resume";

        var clock = Stopwatch.StartNew();
        var (model, reporter) = ProgressRenderer.Run(context, board =>
        {
            var bar = board.Add(stage, stage, steps, "steps");
            var progress = new TrainingProgressReporter(bar, stage);
            T fitted;
            // A checkpoint that does not fit this run (other seed or architecture) is bad input that names the file.
            try { fitted = train(checkpoint, progress); }
            catch (InvalidDataException e) when (resuming)
            {
                throw new BadInputException($"the checkpoint '{checkpoint}' does not fit this run ({ErrorMapper.OneLine(e.Message)}); delete it to start over, or rerun with the settings that wrote it", e);
            }
            bar.Complete();
            return (fitted, progress);
        });
        context.InterruptedHint = null;

        var (channels, height, width, classes) = noiseShape(model);
        var schema = ml.Data.GaussianNoise(1, channels, height, width, seed: 0, classes: classes > 0 ? classes : null).Schema;
        ModelFiles.Save(ml, model, schema, output);
        if (checkpointOption is null) File.Delete(checkpoint);
        clock.Stop();
        return new Outcome<T>(model, reporter, reporter.ResumedFromStep ?? (resuming ? steps : 0), clock.Elapsed);
    }
}
