namespace Dsno.Data;

/// <summary>How trajectory records are made from a teacher.</summary>
public sealed record TrajectoryGenerationOptions
{
    /// <summary>Solver name: "ddim", "dpm-solver-2m", "heun" or "euler".</summary>
    public string Solver { get; init; } = Samplers.Ddim.Name;
    /// <summary>Solver steps (the frame times are inserted into the step list on top).</summary>
    public int Steps { get; init; } = 100;
    /// <summary>Frame times (see <see cref="Diffusion.FrameTimes"/>); default the quadratic grid with M = 4.</summary>
    public IReadOnlyList<double> FrameTimes { get; init; } = Diffusion.FrameTimes.Quadratic(4);
    /// <summary>What the frames hold.</summary>
    public FrameKind Kind { get; init; } = FrameKind.Denoised;
    /// <summary>Seed of the noise (and label) stream: record i uses noise drawn for (seed, i) only.</summary>
    public int Seed { get; init; } = 0;
    /// <summary>Records solved together.</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Records per shard; shard k holds records [k S, (k + 1) S), so seed ranges split on shard boundaries give the same files.</summary>
    public int ShardSize { get; init; } = 1024;
    /// <summary>
    /// Classifier-free guidance scale w of every record (0, the default: unguided). Needs a class-conditional teacher trained with a null
    /// class; recorded in each shard, and a resumed generation refuses shards made at another w.
    /// </summary>
    public double GuidanceScale { get; init; }
    /// <summary>Clamp the denoised estimate to [-1, 1] while solving.</summary>
    public bool ClipDenoised { get; init; } = true;
}
