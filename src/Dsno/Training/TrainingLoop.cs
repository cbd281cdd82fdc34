using System.Diagnostics;
using TorchSharp.Modules;

namespace Dsno.Training;

/// <summary>
/// The optimisation loop every trainer shares: Adam with linear warm-up, gradient clipping, weight averaging, a dispose scope and a
/// cancellation check per step, NaN detection, progress reports and atomic checkpoints that a new process resumes from. A network
/// that implements <see cref="IGradientCheckable"/> first passes <see cref="GradientSelfCheck"/>.
/// A trainer only supplies the loss of step s, computed from a generator seeded by (seed, s).
/// </summary>
public static class TrainingLoop
{
    /// <summary>
    /// Trains <paramref name="model"/> (already on the device) for <see cref="TrainingOptions.Steps"/> steps. When averaging is on, the
    /// averaged weights are copied into the model at the end. Cancellation writes a checkpoint (when a path is set) and then throws
    /// <see cref="OperationCanceledException"/>; a non-finite loss throws <see cref="TrainingDivergedException"/> and writes nothing.
    /// </summary>
    /// <param name="stage">Name used in progress reports and messages.</param>
    /// <param name="model">The module whose parameters are trained.</param>
    /// <param name="options">Optimisation settings.</param>
    /// <param name="loss">The scalar loss of step s, drawing its randomness from the given generator.</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    public static TrainingResult Run(string stage, nn.Module model, TrainingOptions options, Func<int, Generator, Tensor> loss,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (options.Threads > 0) torch.set_num_threads(options.Threads);
        var device = torch.device(options.Device);
        var clock = Stopwatch.StartNew();
        // Before any step, also after a resume (the machine may have changed): never train on wrong gradients.
        var check = model is IGradientCheckable checkable ? GradientSelfCheck.Verify(stage, checkable) : null;

        model.train();
        var parameters = model.parameters().ToList();
        using var optimizer = new ScalarSafeAdam(parameters, lr: options.LearningRate, beta1: 0.9, beta2: 0.999);
        using var ema = options.EmaDecay > 0 ? new ExponentialMovingAverage(model, options.EmaDecay) : null;

        int start = 0;
        var losses = new List<float>();
        if (options.CheckpointPath is not null && File.Exists(options.CheckpointPath))
            (start, losses) = TrainingCheckpoint.Load(options.CheckpointPath, options.Seed, model, ema, optimizer);
        int resumedFrom = start;

        for (int step = start; step < options.Steps; step++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                SaveCheckpoint(options, step, model, ema, optimizer, losses);
                cancellationToken.ThrowIfCancellationRequested();
            }

            double lr = LearningRateSchedule.At(step, options);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;

            float value;
            using (var scope = torch.NewDisposeScope())
            {
                // One generator for the data draws, the global one (used by dropout) reseeded: both depend on (seed, step) only.
                using var generator = new Generator(SeedMix.Mix(options.Seed, step, stream: 1), device);
                torch.manual_seed((long)(SeedMix.Mix(options.Seed, step, stream: 2) >> 1));
                optimizer.zero_grad();
                var l = loss(step, generator);
                value = l.item<float>();
                if (!float.IsFinite(value)) throw new TrainingDivergedException(stage, step, lr, options.CheckpointPath is not null && File.Exists(options.CheckpointPath) ? options.CheckpointPath : null);
                l.backward();
                if (options.GradientClipNorm > 0) nn.utils.clip_grad_norm_(parameters, options.GradientClipNorm);
                optimizer.step();
            }
            ema?.Update(step);
            losses.Add(value);

            if (options.CheckpointInterval > 0 && (step + 1) % options.CheckpointInterval == 0 && step + 1 < options.Steps)
                SaveCheckpoint(options, step + 1, model, ema, optimizer, losses);
            progress?.Report(new TrainingProgress(stage, step + 1, options.Steps, value, lr, clock.Elapsed));
            if (options.SnapshotSteps?.Contains(step + 1) == true)
                TakeSnapshot(model, ema, options.Snapshot!, new TrainingResult(losses.ToArray(), resumedFrom, clock.Elapsed) { GradientCheck = check });
        }

        SaveCheckpoint(options, options.Steps, model, ema, optimizer, losses);
        ema?.CopyTo(model);
        model.eval();
        return new TrainingResult(losses, resumedFrom, clock.Elapsed) { GradientCheck = check };
    }

    /// <summary>Hands the model with its averaged weights to <paramref name="snapshot"/>, then puts the raw weights back bit for bit.</summary>
    private static void TakeSnapshot(nn.Module model, ExponentialMovingAverage? ema, Action<TrainingResult> snapshot, TrainingResult soFar)
    {
        Dictionary<string, Tensor>? raw = null;
        if (ema is not null)
            using (torch.no_grad())
                raw = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        try
        {
            ema?.CopyTo(model);
            model.eval();
            snapshot(soFar);
        }
        finally
        {
            if (raw is not null)
            {
                using (torch.no_grad())
                    foreach (var (name, value) in model.state_dict()) value.copy_(raw[name]);
                foreach (var t in raw.Values) t.Dispose();
            }
            model.train();
        }
    }

    private static void SaveCheckpoint(TrainingOptions options, int step, nn.Module model, ExponentialMovingAverage? ema, OptimizerHelper optimizer, List<float> losses)
    {
        if (options.CheckpointPath is null) return;
        TrainingCheckpoint.Save(options.CheckpointPath, step, options.Seed, model, ema, optimizer, losses);
    }
}
