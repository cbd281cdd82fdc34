namespace Dsno.Models;

/// <summary>
/// A diffusion model that DSNO distils: an epsilon-prediction <see cref="UNet"/> on a <see cref="NoiseSchedule"/>, trained here
/// and sampled with any of the probability-flow ODE solvers. The network holds the averaged (EMA) weights after training.
/// </summary>
public sealed class DiffusionTeacher : IDisposable
{
    private const string Magic = "DSNOTCH1";
    private long _evaluations;

    /// <summary>Creates an untrained teacher; with <paramref name="seed"/> its initial weights depend only on the seed.</summary>
    public DiffusionTeacher(UNetOptions architecture, NoiseSchedule? schedule = null, string device = "cpu", int? seed = null)
    {
        Architecture = architecture;
        Schedule = schedule ?? new CosineSchedule();
        Device = torch.device(device);
        Network = SeededConstruction.Build(seed, () => new UNet(architecture));
        Network.to(Device);
        Network.eval();
    }

    /// <summary>The network.</summary>
    public UNet Network { get; }
    /// <summary>Its architecture.</summary>
    public UNetOptions Architecture { get; }
    /// <summary>The noise schedule it was trained on.</summary>
    public NoiseSchedule Schedule { get; }
    /// <summary>Where it runs.</summary>
    public Device Device { get; }
    /// <summary>Network evaluations made so far through the denoisers of <c>CreateDenoiser</c> (every solve uses one).</summary>
    public long Evaluations => Interlocked.Read(ref _evaluations);

    /// <summary>Trains on <paramref name="data"/> with the denoising loss; see <see cref="TrainingLoop"/> for progress, cancellation and checkpoints.</summary>
    public TrainingResult Train(ImageSet data, TrainingOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Train(data, options, 0, progress, cancellationToken);

    /// <summary>
    /// Trains as <see cref="Train(ImageSet, TrainingOptions, IProgress{TrainingProgress}?, CancellationToken)"/>, with each label of a
    /// batch replaced by the null class with probability <paramref name="labelDropout"/> (<see cref="LabelDropout"/>), so that the
    /// network can be sampled with classifier-free guidance. A rate above 0 needs <see cref="UNetOptions.NullClass"/>.
    /// </summary>
    public TrainingResult Train(ImageSet data, TrainingOptions options, double labelDropout, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (!(labelDropout >= 0 && labelDropout < 1)) throw new ArgumentOutOfRangeException(nameof(labelDropout), labelDropout, "the label dropout rate must be in [0, 1)");
        if (labelDropout > 0 && !Architecture.NullClass)
            throw new ArgumentException("label dropout needs a network with a null class (UNetOptions.NullClass)", nameof(labelDropout));
        if (data.Count == 0) throw new ArgumentException("the training set is empty", nameof(data));
        if (data.Channels != Architecture.Channels || data.Height != Architecture.Height || data.Width != Architecture.Width)
            throw new ArgumentException($"images are {data.Channels}x{data.Height}x{data.Width} but the network expects {Architecture.Channels}x{Architecture.Height}x{Architecture.Width}", nameof(data));
        if (Architecture.NumClasses > 0 && data.Labels is null)
            throw new ArgumentException("the network is class-conditional but the data has no labels", nameof(data));
        if (Architecture.NumClasses > 0 && data.ClassCount > Architecture.NumClasses)
            throw new ArgumentException($"the data has {data.ClassCount} classes but the network {Architecture.NumClasses}", nameof(data));

        using var images = data.ToTensor(Device);
        using var labels = Architecture.NumClasses > 0 ? data.LabelsTensor(Device) : null;
        long n = data.Count;
        Tensor Network3(Tensor x, Tensor t, Tensor? y) => Network.forward(x, t.to(ScalarType.Float32), y);
        return TrainingLoop.Run("teacher", Network, options, (step, generator) =>
        {
            var idx = torch.randint(0, n, new long[] { options.BatchSize }, generator: generator, device: Device);
            var batchLabels = labels?.index_select(0, idx);
            if (batchLabels is not null && labelDropout > 0) batchLabels = LabelDropout.Apply(batchLabels, labelDropout, Network.NullLabel, generator);
            return DenoisingLoss.Compute(Network3, Schedule, images.index_select(0, idx), batchLabels, generator);
        }, progress, cancellationToken);
    }

    /// <summary>A solver's view of the network for one batch (with its labels).</summary>
    public IDenoiser CreateDenoiser(Tensor? labels, bool clipDenoised = true) =>
        new EpsilonDenoiser((x, t) =>
        {
            Interlocked.Increment(ref _evaluations);
            return Network.forward(x, t, labels);
        }, Schedule, clipDenoised);

    /// <summary>
    /// A solver's view of the network for one batch, guided with classifier-free guidance at the per-row scales
    /// <paramref name="guidance"/> [B] (<see cref="ClassifierFreeGuidance"/>): every call evaluates the conditional and the null-class
    /// prediction in one batch and counts as two evaluations. When no row is guided (null, or every w = 0) this is
    /// <see cref="CreateDenoiser(Tensor?, bool)"/>, bit for bit. Throws when w &gt; 0 is asked of a model that has no null class.
    /// </summary>
    public IDenoiser CreateDenoiser(Tensor? labels, Tensor? guidance, bool clipDenoised = true)
    {
        if (!IsGuided(labels, guidance)) return CreateDenoiser(labels, clipDenoised);
        var guided = ClassifierFreeGuidance.Wrap((x, t, y) =>
        {
            Interlocked.Add(ref _evaluations, ClassifierFreeGuidance.EvaluationsPerCall);
            return Network.forward(x, t, y);
        }, labels!, Network.NullLabel, guidance!);
        return new EpsilonDenoiser(guided, Schedule, clipDenoised, ClassifierFreeGuidance.EvaluationsPerCall);
    }

    /// <summary>Whether this teacher can be sampled with classifier-free guidance (a class-conditional network with a null class).</summary>
    public bool SupportsGuidance => Architecture.NumClasses > 0 && Architecture.NullClass;

    /// <summary>Checks guidance scales for a batch and tells whether any row is guided; throws naming the problem.</summary>
    private bool IsGuided(Tensor? labels, Tensor? guidance)
    {
        if (guidance is null) return false;
        long batch = labels?.shape[0] ?? guidance.shape[0];
        if (!ClassifierFreeGuidance.CheckScales(guidance, batch)) return false;
        if (Architecture.NumClasses == 0)
            throw new ArgumentException("this teacher is unconditional: classifier-free guidance needs a class-conditional teacher trained with label dropout", nameof(guidance));
        if (!Architecture.NullClass)
            throw new ArgumentException("this teacher was trained without label dropout, so it has no null class to guide with; train it with LabelDropout > 0", nameof(guidance));
        return labels is not null;
    }

    /// <summary>
    /// Solves the probability-flow ODE from <paramref name="noise"/> (x at t = 1) to t = 0 with <paramref name="solver"/> in
    /// <paramref name="steps"/> steps and records frames at <paramref name="frameTimes"/> (inserted into the step list so they fall on
    /// steps exactly). Returns the final images [B, C, H, W] and, when frame times are given, the frames [B, F, C, H, W].
    /// </summary>
    public (Tensor Images, Tensor? Frames) Solve(Tensor noise, Tensor? labels, string solver, int steps,
        IReadOnlyList<double>? frameTimes = null, FrameKind kind = FrameKind.Denoised, bool clipDenoised = true) =>
        Solve(noise, labels, null, solver, steps, frameTimes, kind, clipDenoised);

    /// <summary>
    /// <see cref="Solve(Tensor, Tensor?, string, int, IReadOnlyList{double}?, FrameKind, bool)"/> guided with classifier-free guidance
    /// at the per-row scales <paramref name="guidance"/> [B] (null or all zero: unguided, bit for bit). Every solver takes it; a guided
    /// step costs two model evaluations (<see cref="Samplers.Evaluations(string, int, double)"/>).
    /// </summary>
    public (Tensor Images, Tensor? Frames) Solve(Tensor noise, Tensor? labels, Tensor? guidance, string solver, int steps,
        IReadOnlyList<double>? frameTimes = null, FrameKind kind = FrameKind.Denoised, bool clipDenoised = true)
    {
        var stepTimes = DefaultStepTimes(solver, steps);
        if (frameTimes is not null) stepTimes = StepTimes.WithFrames(stepTimes, FrameTimes.Validate(frameTimes));
        using var recorder = frameTimes is null ? null : new TrajectoryRecorder(frameTimes, recordStates: kind == FrameKind.State);
        var images = Solve(noise, labels, guidance, solver, stepTimes, recorder?.Callback, clipDenoised);
        return (images, recorder?.Frames);
    }

    /// <summary>
    /// Solves the probability-flow ODE from <paramref name="noise"/> (x at t = 1) with <paramref name="solver"/> on the given step
    /// list (decreasing times from 1 to 0) and returns the final images [B, C, H, W]; <paramref name="callback"/> sees every step.
    /// </summary>
    public Tensor Solve(Tensor noise, Tensor? labels, string solver, IReadOnlyList<double> stepTimes, Action<SamplerStep>? callback = null,
        bool clipDenoised = true) => Solve(noise, labels, null, solver, stepTimes, callback, clipDenoised);

    /// <summary>
    /// <see cref="Solve(Tensor, Tensor?, string, IReadOnlyList{double}, Action{SamplerStep}?, bool)"/> guided at the per-row scales
    /// <paramref name="guidance"/> [B] (see <see cref="CreateDenoiser(Tensor?, Tensor?, bool)"/>).
    /// </summary>
    public Tensor Solve(Tensor noise, Tensor? labels, Tensor? guidance, string solver, IReadOnlyList<double> stepTimes,
        Action<SamplerStep>? callback = null, bool clipDenoised = true)
    {
        Architecture.CheckLabels(labels, noise.shape[0], "teacher");
        if (guidance is not null) IsGuided(labels, guidance.shape[0] == noise.shape[0] ? guidance : throw new ArgumentException($"guidance must have shape [{noise.shape[0]}]", nameof(guidance)));
        var sampler = Samplers.Get(solver);
        using var noGrad = torch.no_grad();
        Network.eval();
        using var scope = torch.NewDisposeScope();
        var x = noise.to(ScalarType.Float32, Device);
        return sampler(CreateDenoiser(labels?.to(Device), guidance?.to(ScalarType.Float32, Device), clipDenoised), x, stepTimes, callback).MoveToOuterDisposeScope();
    }

    /// <summary>This teacher sampled with <paramref name="solver"/> in <paramref name="steps"/> steps, as an <see cref="IImageGenerator"/>.</summary>
    public TeacherSampler WithSolver(string solver, int steps, IReadOnlyList<double>? frameTimes = null) =>
        new(this, Samplers.Find(solver), steps, frameTimes);

    /// <summary>The step list a solver uses by default (<see cref="OdeSolverDescriptor.DefaultStepTimes"/>) on this teacher's schedule.</summary>
    public double[] DefaultStepTimes(string solver, int steps) => Samplers.Find(solver).DefaultStepTimes(Schedule, steps);

    /// <summary>Writes the teacher (architecture, schedule, weights) to a stream, which stays open.</summary>
    public void Save(Stream stream) => ModelFileHeader.Save(stream, Magic, new TeacherHeader(Architecture, Schedule.Name), Network);

    /// <summary>Reads a teacher written by <see cref="Save"/>. Throws <see cref="InvalidDataException"/> on anything malformed.</summary>
    public static DiffusionTeacher Load(Stream stream, string device = "cpu", string what = "teacher model") =>
        ModelFileHeader.Load<TeacherHeader, DiffusionTeacher>(stream, Magic, what, header =>
        {
            ArchitectureLimits.Check(header.Architecture, what);
            return new DiffusionTeacher(header.Architecture, NoiseSchedule.FromName(header.Schedule), device);
        }, teacher => teacher.Network);

    /// <inheritdoc/>
    public void Dispose() => Network.Dispose();

    private sealed record TeacherHeader(UNetOptions Architecture, string Schedule);
}
