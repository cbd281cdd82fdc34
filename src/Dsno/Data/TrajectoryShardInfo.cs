namespace Dsno.Data;

/// <summary>Which records a shard holds and how they were made; a resumed generation checks it before trusting an existing shard.</summary>
/// <param name="FirstIndex">Index of the first record in the seed range (record i starts from noise drawn for index i).</param>
/// <param name="Count">Records in the shard.</param>
/// <param name="Seed">Seed of the noise (and label) stream.</param>
/// <param name="Solver">Solver name (see Dsno.Diffusion.Samplers), for example "ddim".</param>
/// <param name="Steps">Solver steps.</param>
/// <param name="Guidance">Classifier-free guidance scale w the records were solved at (0: unguided; shards of format version 1 are unguided).</param>
public sealed record TrajectoryShardInfo(long FirstIndex, long Count, int Seed, string Solver, int Steps, double Guidance = 0);
