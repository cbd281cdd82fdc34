namespace Dsno.Data;

/// <summary>
/// Where a trainer reads trajectory records from, one batch per step. The batch for step s must be a function of (s, batch size, seed)
/// so that training repeats and resumes exactly; memory must not grow with the number of records.
/// </summary>
public interface ITrajectorySource
{
    /// <summary>The shape of every record.</summary>
    TrajectoryLayout Layout { get; }

    /// <summary>Number of records.</summary>
    long Count { get; }

    /// <summary>
    /// The batch for training step <paramref name="step"/>, for any step in any order. Sources that can only read forward serve
    /// increasing steps fastest: skipping ahead reads past the records in between, and going back starts again from step 0.
    /// </summary>
    TrajectoryBatch ReadBatch(long step, int batchSize, int seed);
}
