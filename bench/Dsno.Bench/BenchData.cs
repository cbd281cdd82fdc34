using Dsno.Data;

namespace Dsno.Bench;

/// <summary>
/// The images of one benchmark: the teacher and the feature classifier train on <see cref="Train"/>; FD, KID and precision/recall use
/// <see cref="Reference"/> (from the test split); <see cref="Floor"/> are real images disjoint from the reference, whose scores are the
/// floor a perfect generator would reach at this sample count.
/// </summary>
/// <param name="Train">Training split.</param>
/// <param name="Test">Test split (classifier accuracy).</param>
/// <param name="Reference">Reference images of the metrics.</param>
/// <param name="Floor">Held-out real images scored like a method.</param>
/// <param name="FloorDescription">Where the floor images come from.</param>
public sealed record BenchData(ImageSet Train, ImageSet Test, ImageSet Reference, ImageSet Floor, string FloorDescription)
{
    /// <summary>Loads the data of a configuration (installing Fashion-MNIST when needed).</summary>
    public static BenchData Load(BenchConfig config, string outRoot)
    {
        switch (config.Dataset.Replace("-smoke", "", StringComparison.Ordinal))
        {
            case "digits":
            {
                var (train, test) = Digits.Load().Split(0.2, seed: 0);
                return new BenchData(train, test, test, train,
                    $"the {train.Count} training images against the {test.Count} test images (no other real digits exist; the classifier saw them in training)");
            }
            case "fashion16":
            case "fashion32":
            {
                string folder = FashionMnistPackage.Locate(Path.Combine(outRoot, "packages"));
                var train = IdxReader.Read(Path.Combine(folder, "train-images-idx3-ubyte.gz"), Path.Combine(folder, "train-labels-idx1-ubyte.gz"), pad: 2);
                var test = IdxReader.Read(Path.Combine(folder, "t10k-images-idx3-ubyte.gz"), Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"), pad: 2);
                if (config.Architecture.Height == 16)
                {
                    train = train.AveragePool2x2();
                    test = test.AveragePool2x2();
                }
                int floorCount = Math.Min(config.EvalSamples, test.Count / 5);
                return new BenchData(train, test, test.Slice(floorCount, test.Count - floorCount), test.Slice(0, floorCount),
                    $"test images 0..{floorCount - 1} against the reference, test images {floorCount}..{test.Count - 1}");
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(config), config.Dataset, "unknown data set");
        }
    }
}
