namespace Dsno.Data;

/// <summary>Progress of trajectory generation.</summary>
/// <param name="Done">Records finished, including those found already on disk.</param>
/// <param name="Total">Records requested.</param>
/// <param name="Skipped">Records found complete on disk and not regenerated.</param>
/// <param name="Elapsed">Wall time of this run.</param>
public sealed record GenerationProgress(long Done, long Total, long Skipped, TimeSpan Elapsed);
