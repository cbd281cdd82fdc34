namespace Dsno.Models;

/// <summary>
/// The one-step knowledge-distillation baseline (Luhman and Luhman 2021): the teacher's backbone, without temporal layers, trained
/// to map x_T straight to the final frame. It shares DSNO's data, loss and training loop; only the temporal layers and the
/// intermediate frames are missing. The single slice is conditioned on t = 0, like DSNO's last frame.
/// </summary>
public sealed class OneStepDistillation : IImageGenerator, IDisposable
{
    private const string Magic = "DSNOKD01";
    private long _evaluations;

    /// <summary>Wraps a backbone.</summary>
    public OneStepDistillation(UNet network, string device = "cpu")
    {
        Network = network;
        Device = torch.device(device);
        Network.to(Device);
        Network.eval();
    }

    /// <summary>A student initialised with every weight of the teacher.</summary>
    public static OneStepDistillation FromTeacher(DiffusionTeacher teacher)
    {
        var student = new UNet(teacher.Architecture);
        student.CopyStateFrom(teacher.Network);
        return new OneStepDistillation(student, teacher.Device.ToString());
    }

    /// <summary>The backbone.</summary>
    public UNet Network { get; }
    /// <summary>Where it runs.</summary>
    public Device Device { get; }
    /// <inheritdoc/>
    public UNetOptions Architecture => Network.Options;
    /// <inheritdoc/>
    public long ParameterCount => Network.ParameterCount;
    /// <summary>Network evaluations (forward passes) made by <see cref="Generate"/>.</summary>
    public long Evaluations => Interlocked.Read(ref _evaluations);

    /// <summary>Trains on the final frame of each record with DSNO's loss (one frame, so the weighting is a constant).</summary>
    public TrainingResult Train(ITrajectorySource source, TrainingOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Train(source, options, TrajectoryDistance.L1, progress, cancellationToken);

    /// <summary>Trains on the final frame of each record with the frame distance <paramref name="distance"/>, as DSNO's recipe may.</summary>
    public TrainingResult Train(ITrajectorySource source, TrainingOptions options, TrajectoryDistance distance, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var a = Network.Options;
        var layout = source.Layout;
        if (layout.Channels != a.Channels || layout.Height != a.Height || layout.Width != a.Width)
            throw new InvalidDataException($"trajectories are {layout.Channels}x{layout.Height}x{layout.Width} but the network expects {a.Channels}x{a.Height}x{a.Width}");
        return TrainingLoop.Run("distillation", Network, options, (step, _) =>
        {
            using var batch = source.ReadBatch(step, options.BatchSize, options.Seed);
            var predicted = Forward(batch.Noise.to(Device), batch.Labels?.to(Device)).unsqueeze(1);
            var target = batch.Frames[.., ^1..].to(Device);
            return TrajectoryLoss.Compute(predicted, target, new[] { 1.0 }, distance);
        }, progress, cancellationToken);
    }

    /// <summary>Images [B, C, H, W] from noise in one forward pass.</summary>
    public Tensor GenerateImages(Tensor noise, Tensor? labels = null) => Generate(noise, labels);

    /// <summary>Images [B, C, H, W] from noise in one forward pass.</summary>
    public Tensor Generate(Tensor noise, Tensor? labels = null)
    {
        using var noGrad = torch.no_grad();
        Network.eval();
        Interlocked.Increment(ref _evaluations);
        using var scope = torch.NewDisposeScope();
        return Forward(noise.to(ScalarType.Float32, Device), labels?.to(Device)).MoveToOuterDisposeScope();
    }

    private Tensor Forward(Tensor noise, Tensor? labels) =>
        Network.forward(noise, torch.zeros(noise.shape[0], device: noise.device), labels);

    /// <summary>Writes the student to a stream, which stays open.</summary>
    public void Save(Stream stream) => ModelFileHeader.Save(stream, Magic, Network.Options, Network);

    /// <summary>Reads a student written by <see cref="Save"/>.</summary>
    public static OneStepDistillation Load(Stream stream, string device = "cpu", string what = "distillation model") =>
        ModelFileHeader.Load<UNetOptions, OneStepDistillation>(stream, Magic, what, options =>
        {
            ArchitectureLimits.Check(options, what);
            return new OneStepDistillation(new UNet(options), device);
        }, model => model.Network);

    /// <inheritdoc/>
    public void Dispose() => Network.Dispose();
}
