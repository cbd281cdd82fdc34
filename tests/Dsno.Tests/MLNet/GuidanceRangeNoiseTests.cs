using Dsno.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Dsno.Tests.MLNet;

/// <summary>
/// Noise with a per-row guidance scale drawn from a range (<see cref="GaussianNoiseOptions.GuidanceRange"/>) and a trajectory folder
/// whose manifest records the range.
/// </summary>
public class GuidanceRangeNoiseTests
{
    [Fact]
    public void RowGuidanceDependsOnlyOnSeedAndRow()
    {
        var ml = new MLContext(seed: 1);
        var whole = ml.Data.GaussianNoise(new GaussianNoiseOptions
        {
            Rows = 20, Channels = 1, Height = 4, Width = 4, Seed = 3, Classes = 10, GuidanceRange = (0.5f, 3f),
        });
        var tail = ml.Data.GaussianNoise(new GaussianNoiseOptions
        {
            Rows = 7, FirstRow = 13, Channels = 1, Height = 4, Width = 4, Seed = 3, Classes = 10, GuidanceRange = (0.5f, 3f),
        });
        var scales = whole.GetColumn<float>(DsnoColumnNames.Guidance).ToArray();
        Assert.Equal(scales[13..], tail.GetColumn<float>(DsnoColumnNames.Guidance).ToArray());
        Assert.Equal(whole.GetColumn<uint>(DsnoColumnNames.Label).Skip(13), tail.GetColumn<uint>(DsnoColumnNames.Label));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => DsnoDataCatalog.GuidanceOf(3, i, 0.5f, 3f)), scales);
        Assert.All(scales, w => Assert.InRange(w, 0.5f, 3f));
        Assert.True(scales.Distinct().Count() > 15);
        // The positional overload draws the same scales and noise.
        var positional = ml.Data.GaussianNoise(20, 1, 4, 4, seed: 3, classes: 10, minGuidance: 0.5f, maxGuidance: 3f);
        Assert.Equal(scales, positional.GetColumn<float>(DsnoColumnNames.Guidance).ToArray());
        Assert.Equal(whole.GetColumn<float[]>(DsnoColumnNames.Noise).ToArray(), positional.GetColumn<float[]>(DsnoColumnNames.Noise).ToArray());
        // Another seed, other scales.
        Assert.NotEqual(scales, Enumerable.Range(0, 20).Select(i => DsnoDataCatalog.GuidanceOf(4, i, 0.5f, 3f)));
    }

    [Fact]
    public void BadGuidanceRangesAreRefused()
    {
        var ml = new MLContext(seed: 1);
        IDataView Noise((float, float) range, int? classes = 10) => ml.Data.GaussianNoise(new GaussianNoiseOptions
        {
            Rows = 2, Channels = 1, Height = 4, Width = 4, Classes = classes, GuidanceRange = range,
        });
        Assert.Throws<ArgumentOutOfRangeException>(() => Noise((2f, 1f)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Noise((-1f, 1f)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Noise((0f, float.PositiveInfinity)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Noise((0f, 1f), classes: null));
        Assert.Throws<ArgumentOutOfRangeException>(() => DsnoDataCatalog.GuidanceOf(0, -1, 0, 1));
    }

    private static TrajectoryShardFolder.Manifest Manifest(float guidance = 0, float[]? range = null) =>
        new("abc", "ddim", 4, new[] { 0.25f, 0f }, Seed: 1, ShardSize: 8, Channels: 1, Height: 4, Width: 4, Classes: 10, Guidance: guidance, GuidanceRange: range);

    [Fact]
    public void ManifestRecordsTheRangeAndTellsItApart()
    {
        var ranged = Manifest(range: new[] { 0f, 4f });
        var json = ranged.ToJson();
        Assert.Contains("\"GuidanceRange\":[0,4]", json);
        Assert.Equal(new[] { 0f, 4f }, TrajectoryShardFolder.Manifest.FromJson(json)!.GuidanceRange);
        // A folder of one w writes no range, so its manifest reads as before.
        Assert.DoesNotContain("GuidanceRange", Manifest(guidance: 2).ToJson());
        Assert.Null(TrajectoryShardFolder.Manifest.FromJson(Manifest().ToJson())!.GuidanceRange);

        Assert.Null(ranged.FirstDifference(Manifest(range: new[] { 0f, 4f })));
        Assert.Equal("guidance scales w drawn per record from [0, 2] (this run: guidance scales w drawn per record from [0, 4])",
            ranged.FirstDifference(Manifest(range: new[] { 0f, 2f })));
        Assert.Equal("guidance scale w = 0 (this run: guidance scales w drawn per record from [0, 4])", ranged.FirstDifference(Manifest()));
        Assert.Equal("guidance scales w drawn per record from [0, 4] (this run: guidance scale w = 2)", Manifest(guidance: 2).FirstDifference(ranged));

        string dir = TinyModels.TempDir();
        Assert.Throws<ArgumentOutOfRangeException>(() => TrajectoryShardFolder.Open(dir, Manifest(range: new[] { 3f, 1f })));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrajectoryShardFolder.Open(dir, Manifest(range: new[] { 0f })));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrajectoryShardFolder.Open(dir, Manifest(guidance: 1, range: new[] { 0f, 4f })));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrajectoryShardFolder.Open(dir, Manifest(range: new[] { 0f, 4f }) with { Classes = 0 }));
        TrajectoryShardFolder.Open(dir, ranged);
        var refused = Assert.Throws<InvalidDataException>(() => TrajectoryShardFolder.Open(dir, Manifest(range: new[] { 1f, 4f })));
        Assert.Contains("from [0, 4]", refused.Message);
    }
}
