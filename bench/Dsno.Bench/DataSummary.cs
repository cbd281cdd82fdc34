namespace Dsno.Bench;

/// <summary>The data and the quality metric's extractor, with the real-data floor.</summary>
/// <param name="TrainCount">Training images.</param>
/// <param name="TestCount">Test images.</param>
/// <param name="ReferenceCount">Reference images of the metrics.</param>
/// <param name="FloorCount">Real held-out images scored for the floor.</param>
/// <param name="FloorDescription">Where those come from.</param>
/// <param name="ClassifierAccuracy">The classifier's test accuracy.</param>
/// <param name="ClassifierDescription">The classifier.</param>
/// <param name="FloorFd">FD of the floor images.</param>
/// <param name="FloorKid">KID of the floor images.</param>
/// <param name="FloorPrecision">Precision of the floor images.</param>
/// <param name="FloorRecall">Recall of the floor images.</param>
public sealed record DataSummary(int TrainCount, int TestCount, int ReferenceCount, int FloorCount, string FloorDescription, double ClassifierAccuracy,
    string ClassifierDescription, double FloorFd, double FloorKid, double FloorPrecision, double FloorRecall);
