namespace Dsno.Metrics;

/// <summary>What <see cref="FeatureClassifier.TrainOrLoad"/> is doing: one report per finished epoch, and one for each cache event.</summary>
/// <param name="Epoch">Epochs finished (0 for cache events).</param>
/// <param name="Epochs">Epochs planned.</param>
/// <param name="MeanLoss">Mean cross-entropy over the last epoch (NaN for cache events).</param>
/// <param name="Message">A human-readable line, for example why a cache file was rejected.</param>
public sealed record ClassifierTrainingProgress(int Epoch, int Epochs, double MeanLoss, string Message);
