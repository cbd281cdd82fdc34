using Dsno.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Tests.Data;

public class ImageSetTests
{
    /// <summary>n images of C x H x W with random values in [-1, 1] and labels i mod classes.</summary>
    private static ImageSet RandomSet(int n, int c, int h, int w, int classes = 3, int seed = 0)
    {
        var rng = new Random(seed);
        var pixels = Enumerable.Range(0, n * c * h * w).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var labels = Enumerable.Range(0, n).Select(i => i % classes).ToArray();
        return new ImageSet(pixels, n, c, h, w, labels, classes, "random");
    }

    [Fact]
    public void NaNAndInfinityAreRejectedWithTheirIndex()
    {
        var pixels = new float[2 * 1 * 2 * 3];
        pixels[7] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => new ImageSet(pixels, 2, 1, 2, 3));
        Assert.Contains("index 7", e.Message);
        pixels[7] = 0;
        pixels[4] = float.NegativeInfinity;
        e = Assert.Throws<ArgumentException>(() => new ImageSet(pixels, 2, 1, 2, 3));
        Assert.Contains("index 4", e.Message);
    }

    [Fact]
    public void InconsistentSizesAndLabelsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new ImageSet(new float[11], 2, 1, 2, 3));
        Assert.Throws<ArgumentException>(() => new ImageSet(new float[12], 2, 1, 2, 3, new[] { 0 }, 2));
        var e = Assert.Throws<ArgumentException>(() => new ImageSet(new float[12], 2, 1, 2, 3, new[] { 0, 2 }, 2));
        Assert.Contains("index 1", e.Message);
        Assert.Throws<ArgumentException>(() => new ImageSet(new float[12], 2, 1, 2, 3, new[] { 0, -1 }, 2));
        Assert.Throws<ArgumentException>(() => new ImageSet(new float[12], 2, 1, 2, 3, null, 2));
        Assert.Throws<ArgumentException>(() => new ImageSet(new float[12], 2, 1, 2, 3, new[] { 0, 1 }, 2, classNames: new[] { "a" }));
    }

    [Fact]
    public void TensorsHaveTheLayoutAndTypes()
    {
        var set = RandomSet(4, 2, 3, 5);
        using var x = set.ToTensor();
        Assert.Equal(new long[] { 4, 2, 3, 5 }, x.shape);
        Assert.Equal(ScalarType.Float32, x.dtype);
        // [N, C, H, W] indexing against the flat array.
        Assert.Equal(set.Pixels[((2 * 2 + 1) * 3 + 2) * 5 + 4], x[2, 1, 2, 4].item<float>());
        using var y = set.LabelsTensor()!;
        Assert.Equal(ScalarType.Int64, y.dtype);
        Assert.Equal(set.Labels!.Select(l => (long)l), y.data<long>().ToArray());
        using var part = set.ToTensor(1, 2);
        Assert.Equal(set.Slice(1, 2).Pixels, part.data<float>().ToArray());
        Assert.Null(new ImageSet(new float[4], 1, 1, 2, 2).LabelsTensor());
    }

    [Fact]
    public void TakeAndSliceCopyTheRightImages()
    {
        var set = RandomSet(6, 1, 2, 2);
        var slice = set.Slice(2, 3);
        Assert.Equal(set.Pixels[8..20], slice.Pixels);
        Assert.Equal(set.Labels![2..5], slice.Labels);
        Assert.Equal(set.Pixels[..8], set.Take(2).Pixels);
        Assert.Equal(6, set.Take(100).Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Slice(5, 2));
        slice.Pixels[0] = 42;
        Assert.NotEqual(42, set.Pixels[8]);
    }

    [Fact]
    public void SplitIsDeterministicAndPartitionsTheSet()
    {
        // Image i is filled with a value unique to it, so images can be identified after shuffling.
        int n = 50;
        var pixels = Enumerable.Range(0, n).SelectMany(i => Enumerable.Repeat(i / 100f, 4)).ToArray();
        var set = new ImageSet(pixels, n, 1, 2, 2, Enumerable.Range(0, n).Select(i => i % 5).ToArray(), 5);

        var (train, test) = set.Split(0.2, seed: 7);
        var (train2, test2) = set.Split(0.2, seed: 7);
        var (_, test3) = set.Split(0.2, seed: 8);
        Assert.Equal((40, 10), (train.Count, test.Count));
        Assert.Equal(train.Pixels, train2.Pixels);
        Assert.Equal(test.Pixels, test2.Pixels);
        Assert.NotEqual(test.Pixels, test3.Pixels);

        int Id(ImageSet s, int i) => (int)Math.Round(s.Pixels[i * 4] * 100);
        var ids = Enumerable.Range(0, train.Count).Select(i => Id(train, i))
            .Concat(Enumerable.Range(0, test.Count).Select(i => Id(test, i))).ToArray();
        Assert.Equal(Enumerable.Range(0, n), ids.Order());
        Assert.NotEqual(Enumerable.Range(0, n), ids); // actually shuffled
        for (int i = 0; i < test.Count; i++) Assert.Equal(Id(test, i) % 5, test.Labels![i]); // labels travel with images
    }

    [Fact]
    public void AveragePool2x2MatchesTorchAvgPool()
    {
        var set = RandomSet(3, 2, 6, 4);
        var pooled = set.AveragePool2x2();
        Assert.Equal((3, 2, 3, 2), (pooled.Count, pooled.Channels, pooled.Height, pooled.Width));
        using var x = set.ToTensor();
        using var expected = nn.functional.avg_pool2d(x, 2);
        using var actual = pooled.ToTensor();
        Assert.True(torch.allclose(expected, actual, rtol: 1e-6, atol: 1e-6));
        // And one value by hand: image 1, channel 1, output (2, 1) averages input rows 4..5, columns 2..3.
        float Px(int y, int xx) => set.Pixels[((1 * 2 + 1) * 6 + y) * 4 + xx];
        Assert.Equal((Px(4, 2) + Px(4, 3) + Px(5, 2) + Px(5, 3)) / 4, pooled.Pixels[((1 * 2 + 1) * 3 + 2) * 2 + 1], 6);
        Assert.Equal(set.Labels, pooled.Labels);
        Assert.Throws<InvalidOperationException>(() => RandomSet(1, 1, 3, 4).AveragePool2x2());
    }

    [Fact]
    public void PadMatchesTorchPadWithBackground()
    {
        var set = RandomSet(2, 3, 4, 5);
        var padded = set.Pad(2);
        Assert.Equal((8, 9), (padded.Height, padded.Width));
        using var x = set.ToTensor();
        using var expected = nn.functional.pad(x, new long[] { 2, 2, 2, 2 }, PaddingModes.Constant, -1.0);
        using var actual = padded.ToTensor();
        Assert.True(torch.allclose(expected, actual, rtol: 0, atol: 0));
        Assert.Equal(set.Pixels, set.Pad(0).Pixels);
    }
}
