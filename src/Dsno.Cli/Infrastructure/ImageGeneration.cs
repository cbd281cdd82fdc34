namespace Dsno.Cli.Infrastructure;

/// <summary>
/// Runs a saved generator on the noise of rows 0..count-1 of a seed (as <c>ml.Data.GaussianNoise</c> draws it) and collects its images
/// (and a few trajectories), optionally streaming every output row to a <c>.idv</c> file on the way.
/// </summary>
public static class ImageGeneration
{
    /// <summary>What a run produced.</summary>
    /// <param name="Images">Images, flat [C*H*W] in [-1, 1], in row order (at most the number asked to keep).</param>
    /// <param name="Trajectories">The first trajectories, flat [F*C*H*W].</param>
    /// <param name="Elapsed">Wall time of the generation (and of writing the .idv file).</param>
    /// <param name="ForwardPasses">Network evaluations made.</param>
    public sealed record Result(IReadOnlyList<float[]> Images, IReadOnlyList<float[]> Trajectories, TimeSpan Elapsed, int ForwardPasses);

    /// <summary>Generates <paramref name="count"/> images.</summary>
    public static Result Run(CliContext context, MLContext ml, GenerativeModel model, int count, int seed, int? label, ProgressBar bar,
        int keepImages, int keepTrajectories, string? idvPath)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(model);
        int? classes = model.ClassCount > 0 ? model.ClassCount : null;
        int passes = model.ForwardPasses;
        var clock = Stopwatch.StartNew();
        var noise = ml.Data.GaussianNoise(new GaussianNoiseOptions
        {
            Rows = count, Channels = model.Channels, Height = model.Height, Width = model.Width, Seed = seed, Classes = classes, Label = label,
            Progress = new RowProgress(n => bar.Report(n)), CancellationToken = context.CancellationToken,
        });
        var output = model.Transformer.Transform(noise);
        IDataView source = output;
        if (idvPath is not null)
        {
            ml.Data.SaveAsDeterministicBinary(output, idvPath, context.CancellationToken);
            source = ml.Data.LoadFromBinary(idvPath);
        }
        var images = new List<float[]>();
        var trajectories = new List<float[]>();
        var image = source.Schema[DsnoColumnNames.Image];
        var trajectory = source.Schema[DsnoColumnNames.Trajectory];
        // Both columns active: a teacher inserts the frame times into its step list only when the trajectory is read, and the images
        // must not depend on which outputs were asked for (the .idv and the PNG show the same images).
        using (var cursor = source.GetRowCursor(new[] { image, trajectory }))
        {
            var getImage = cursor.GetGetter<VBuffer<float>>(image);
            var getTrajectory = keepTrajectories > 0 ? cursor.GetGetter<VBuffer<float>>(trajectory) : null;
            VBuffer<float> buffer = default;
            // Every row is read, kept or not: the outputs are computed lazily, and the count and the timing promise all of them.
            while (cursor.MoveNext())
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                getImage(ref buffer);
                if (images.Count < keepImages) images.Add(buffer.DenseValues().ToArray());
                if (getTrajectory is not null && trajectories.Count < keepTrajectories)
                {
                    getTrajectory(ref buffer);
                    trajectories.Add(buffer.DenseValues().ToArray());
                }
            }
        }
        clock.Stop();
        bar.Report(count);
        return new Result(images, trajectories, clock.Elapsed, model.ForwardPasses - passes);
    }

    /// <summary>A data view of images [C, H, W] in a column named <c>Image</c>.</summary>
    public static IDataView ToDataView(MLContext ml, IReadOnlyList<float[]> images, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(ml);
        var definition = SchemaDefinition.Create(typeof(ImageRow));
        definition[nameof(ImageRow.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, channels, height, width);
        return ml.Data.LoadFromEnumerable(images.Select(i => new ImageRow { Image = i }).ToList(), definition);
    }

    private sealed class ImageRow
    {
        public float[] Image = Array.Empty<float>();
    }
}
