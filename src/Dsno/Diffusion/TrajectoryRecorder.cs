namespace Dsno.Diffusion;

/// <summary>
/// Collects frames of a batch of trajectories while a solver runs: pass <see cref="Callback"/> to the solver, then read
/// <see cref="Frames"/> [B, F, C, H, W]. A frame is the denoised estimate x0_hat(x(t), t) (DSNO's training targets) or, on request,
/// the state x(t). Every frame time must be one of the solver's step times (see <see cref="StepTimes.WithFrames"/>); the frame at
/// t = 0 is the final state. Owns the frames it keeps: dispose it, or call <see cref="Clear"/> before reusing it for another batch.
/// </summary>
public sealed class TrajectoryRecorder : IDisposable
{
    /// <summary>How close a step time must be to a frame time to count as it.</summary>
    public const double TimeTolerance = 1e-12;

    private readonly double[] _times;
    private readonly Tensor?[] _frames;

    /// <summary>Records at <paramref name="frameTimes"/> (strictly decreasing, in [0, 1]), in that order.</summary>
    /// <param name="frameTimes">The frame times.</param>
    /// <param name="recordStates">Record the states x(t) instead of the denoised estimates.</param>
    public TrajectoryRecorder(IReadOnlyList<double> frameTimes, bool recordStates = false)
    {
        ArgumentNullException.ThrowIfNull(frameTimes);
        if (frameTimes.Count < 1) throw new ArgumentOutOfRangeException(nameof(frameTimes), 0, "at least one frame time is needed");
        DecreasingTimes.Check(frameTimes, nameof(frameTimes));
        _times = frameTimes.ToArray();
        _frames = new Tensor?[_times.Length];
        RecordStates = recordStates;
    }

    /// <summary>The frame times, in output order.</summary>
    public IReadOnlyList<double> Times => _times;

    /// <summary>True when the states x(t) are recorded, false for the denoised estimates.</summary>
    public bool RecordStates { get; }

    /// <summary>The solver callback: keeps a detached copy of the step's tensor when its time is a frame time.</summary>
    public Action<SamplerStep> Callback => _callback ??= Record;

    private Action<SamplerStep>? _callback;

    private void Record(SamplerStep step)
    {
        int k = Array.FindIndex(_times, f => Math.Abs(f - step.Time) <= TimeTolerance);
        if (k < 0) return;
        var source = RecordStates ? step.State : step.Denoised;
        var copy = source.detach().clone().DetachFromDisposeScope();
        _frames[k]?.Dispose();
        _frames[k] = copy;
    }

    /// <summary>
    /// The frames stacked as [B, F, C, H, W] (a new tensor, owned by the caller's dispose scope), on the solver's device.
    /// Throws <see cref="InvalidOperationException"/> naming the frame times the solver never reached.
    /// </summary>
    public Tensor Frames
    {
        get
        {
            var missing = _times.Where((t, k) => _frames[k] is null).ToArray();
            if (missing.Length > 0)
                throw new InvalidOperationException(
                    $"no solver step at frame time(s) {string.Join(", ", missing.Select(t => t.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}; " +
                    "build the step list with StepTimes.WithFrames");
            return torch.stack(_frames!, dim: 1);
        }
    }

    /// <summary>Frees the recorded frames so that the recorder can serve another batch.</summary>
    public void Clear()
    {
        for (int k = 0; k < _frames.Length; k++)
        {
            _frames[k]?.Dispose();
            _frames[k] = null;
        }
    }

    /// <inheritdoc />
    public void Dispose() => Clear();
}
