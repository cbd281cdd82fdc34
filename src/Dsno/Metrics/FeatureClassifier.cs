using System.Globalization;

namespace Dsno.Metrics;

/// <summary>
/// A small CNN classifier trained on a data set's training split, whose penultimate activations serve as the feature space of the
/// sample-quality metrics (Frechet distance "FD", KID, precision/recall). It stands in for Inception-v3, whose weights are not
/// available here, so distances computed on it are called FD, never FID, and are only comparable between runs that use the same
/// classifier (same data, options and therefore the same <see cref="Description"/>).
/// </summary>
public sealed partial class FeatureClassifier : IDisposable
{
    private const int FeatureBatchSize = 256;

    private readonly FeatureClassifierNetwork network;
    private Header header; // replaced once, when Train records the test accuracy
    private readonly object gate = new();
    private bool disposed;

    private FeatureClassifierNetwork Network
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return network;
        }
    }

    private FeatureClassifier(FeatureClassifierNetwork network, Header header, Device device)
    {
        this.network = network;
        this.header = header;
        Device = device;
    }

    /// <summary>Image channels the classifier reads.</summary>
    public int Channels => header.Channels;

    /// <summary>Image height the classifier reads.</summary>
    public int Height => header.Height;

    /// <summary>Image width the classifier reads.</summary>
    public int Width => header.Width;

    /// <summary>Classes of the head.</summary>
    public int ClassCount => header.Classes;

    /// <summary>Channels of the first convolution (then twice and four times as many).</summary>
    public int BaseChannels => header.BaseChannels;

    /// <summary>Width of the feature vectors returned by <see cref="Features"/>.</summary>
    public int FeatureDim => header.FeatureDim;

    /// <summary>Groups of each GroupNorm layer.</summary>
    public int GroupNormGroups => header.Groups;

    /// <summary>Fraction of the test split classified correctly, measured right after training (and stored in the cache file).</summary>
    public double TestAccuracy => header.TestAccuracy;

    /// <summary>Name of the training data set.</summary>
    public string DataName => header.DataName;

    /// <summary>Images in the training split.</summary>
    public int TrainCount => header.TrainCount;

    /// <summary>Images in the test split on which <see cref="TestAccuracy"/> was measured.</summary>
    public int TestCount => header.TestCount;

    /// <summary>Hex SHA-256 of the training and test data, their shapes and the options (see <see cref="CacheKey"/>).</summary>
    public string TrainingKey => header.Key;

    /// <summary>Device holding the weights.</summary>
    public Device Device { get; }

    /// <summary>Architecture, data and test accuracy in one line, to print beside every FD so that numbers from different extractors are never mixed.</summary>
    public string Description => string.Create(CultureInfo.InvariantCulture,
        $"FeatureClassifier CNN (conv3x3 {BaseChannels}, conv3x3/2 {2 * BaseChannels}, conv3x3/2 {4 * BaseChannels}, GroupNorm+SiLU, " +
        $"global average pool, {FeatureDim}-d SiLU features) trained on '{DataName}' ({Channels}x{Height}x{Width}, {ClassCount} classes, " +
        $"{TrainCount} train images), test accuracy {TestAccuracy:0.0000} on {TestCount} held-out images; key {TrainingKey[..12]}");

    /// <summary>
    /// Trains a classifier on <paramref name="train"/> and measures its accuracy on <paramref name="test"/>, or loads the one trained
    /// before on the same data with the same options from <paramref name="cacheDirectory"/>. A cache file that fails validation
    /// (truncated, tampered, another format) is reported through <paramref name="progress"/>, ignored, and replaced by a freshly trained
    /// classifier. Null <paramref name="cacheDirectory"/>: always train, write nothing.
    /// </summary>
    public static FeatureClassifier TrainOrLoad(ImageSet train, ImageSet test, string? cacheDirectory, ClassifierOptions? options = null,
        IProgress<ClassifierTrainingProgress>? progress = null)
    {
        options ??= new ClassifierOptions();
        options.Validate();
        ValidateSplits(train, test);
        if (cacheDirectory is null) return Train(train, test, options, progress);

        string key = CacheKey(train, test, options);
        string path = Path.Combine(cacheDirectory, CacheFileName(key));
        if (File.Exists(path))
        {
            try
            {
                var cached = Load(path, options.Device, key);
                progress?.Report(new ClassifierTrainingProgress(0, options.Epochs, double.NaN, $"loaded cached classifier {path}"));
                return cached;
            }
            catch (InvalidDataException e)
            {
                progress?.Report(new ClassifierTrainingProgress(0, options.Epochs, double.NaN, $"rejected cache file {path}: {e.Message}; retraining"));
            }
        }
        var trained = Train(train, test, options, progress);
        trained.Save(path);
        return trained;
    }

    /// <summary>
    /// Trains a classifier on <paramref name="train"/> (Adam, cross-entropy, optional random shifts) and measures its accuracy on
    /// <paramref name="test"/>. Bit-identical for the same inputs, options and torch thread count.
    /// </summary>
    public static FeatureClassifier Train(ImageSet train, ImageSet test, ClassifierOptions? options = null, IProgress<ClassifierTrainingProgress>? progress = null)
    {
        options ??= new ClassifierOptions();
        options.Validate();
        ValidateSplits(train, test);
        if (options.Threads > 0) torch.set_num_threads(options.Threads);
        var device = torch.device(options.Device);

        var header = new Header(CacheKey(train, test, options), string.IsNullOrEmpty(train.Name) ? "unnamed" : train.Name,
            train.Channels, train.Height, train.Width, train.ClassCount, options.BaseChannels, options.FeatureDim, options.GroupNormGroups,
            train.Count, test.Count, double.NaN);
        var network = new FeatureClassifierNetwork(train.Channels, train.ClassCount, options.BaseChannels, options.FeatureDim, options.GroupNormGroups);
        try
        {
            using (var generator = new Generator(SeedMix.Mix(options.Seed, 0, InitStream)))
                network.Initialise(generator);
            network.to(device);
            Fit(network, train, options, device, progress);
            network.eval();
            var classifier = new FeatureClassifier(network, header, device);
            classifier.header = header with { TestAccuracy = classifier.Accuracy(test) };
            return classifier;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private const ulong InitStream = 0x1001;
    private const ulong OrderStream = 0x1002;
    private const ulong ShiftStream = 0x1003;

    private static void Fit(FeatureClassifierNetwork network, ImageSet train, ClassifierOptions options, Device device, IProgress<ClassifierTrainingProgress>? progress)
    {
        using var images = train.ToTensor(device);
        using var labels = train.LabelsTensor(device)!;
        GradientSelfCheck.Verify("classifier", network);
        using var optimizer = new ScalarSafeAdam(network.parameters(), options.LearningRate);
        int n = train.Count;
        int shift = options.MaxShift;
        network.train();
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            // The order and shifts of epoch e depend only on (seed, e).
            var order = Enumerable.Range(0, n).ToArray();
            new SeededDraws(options.Seed, OrderStream + ((ulong)epoch << 8)).Shuffle(order.AsSpan());
            var shifts = new SeededDraws(options.Seed, ShiftStream + ((ulong)epoch << 8));
            double lossSum = 0;
            int batches = 0;
            for (int start = 0; start < n; start += options.BatchSize)
            {
                using var scope = torch.NewDisposeScope();
                int count = Math.Min(options.BatchSize, n - start);
                var index = torch.tensor(order.AsSpan(start, count).ToArray().Select(i => (long)i).ToArray(), device: device);
                var x = images.index_select(0, index);
                var y = labels.index_select(0, index);
                if (shift > 0) x = RandomShift(x, shift, shifts);
                var loss = nn.functional.cross_entropy(network.forward(x), y);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>();
                batches++;
            }
            double meanLoss = lossSum / batches;
            if (!double.IsFinite(meanLoss)) throw new InvalidOperationException($"classifier training diverged in epoch {epoch + 1} (loss {meanLoss})");
            progress?.Report(new ClassifierTrainingProgress(epoch + 1, options.Epochs, meanLoss,
                string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}/{options.Epochs}: loss {meanLoss:0.0000}")));
        }
    }

    /// <summary>Shifts each image by its own offset in [-shift, shift]^2, filling the uncovered border with -1 (background).</summary>
    private static Tensor RandomShift(Tensor x, int shift, SeededDraws random)
    {
        long h = x.shape[2], w = x.shape[3];
        using var padded = nn.functional.pad(x, new long[] { shift, shift, shift, shift }, PaddingModes.Constant, -1.0);
        var crops = new Tensor[x.shape[0]];
        for (int i = 0; i < crops.Length; i++)
        {
            int dy = random.Below(2 * shift + 1), dx = random.Below(2 * shift + 1);
            crops[i] = padded[i].narrow(1, dy, h).narrow(2, dx, w);
        }
        return torch.stack(crops);
    }

    /// <summary>
    /// Penultimate-layer features [N, <see cref="FeatureDim"/>] of <paramref name="images"/> [N, C, H, W] with values in [-1, 1],
    /// computed in batches without gradients, in evaluation mode, on this classifier's device.
    /// </summary>
    /// <exception cref="ArgumentException">The shape does not match the classifier, or a value is NaN or infinite.</exception>
    public double[,] Features(Tensor images)
    {
        int n = CheckedCount(images, nameof(images));
        var result = new double[n, FeatureDim];
        InBatches(images, n, (net, batch, start) =>
        {
            var values = net.Features(batch).to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
            Buffer.BlockCopy(values, 0, result, start * FeatureDim * sizeof(double), values.Length * sizeof(double));
        });
        return result;
    }

    /// <summary>Predicted class of each image [N, C, H, W].</summary>
    public int[] Predict(Tensor images)
    {
        int n = CheckedCount(images, nameof(images));
        var result = new int[n];
        InBatches(images, n, (net, batch, start) =>
            net.forward(batch).argmax(1).to(ScalarType.Int32).cpu().data<int>().ToArray().CopyTo(result, start));
        return result;
    }

    /// <summary>
    /// Runs <paramref name="use"/>(network, batch, first row) on the <paramref name="n"/> checked <paramref name="images"/> in batches,
    /// in float32 on this classifier's device, in evaluation mode, without gradients, each batch in its own dispose scope.
    /// </summary>
    private void InBatches(Tensor images, int n, Action<FeatureClassifierNetwork, Tensor, int> use)
    {
        lock (gate)
        {
            var net = Network;
            net.eval();
            using var noGrad = torch.no_grad();
            for (int start = 0; start < n; start += FeatureBatchSize)
            {
                using var scope = torch.NewDisposeScope();
                int count = Math.Min(FeatureBatchSize, n - start);
                use(net, images.narrow(0, start, count).to(ScalarType.Float32).to(Device), start);
            }
        }
    }

    /// <summary>Fraction of <paramref name="set"/>'s images whose predicted class equals their label.</summary>
    public double Accuracy(ImageSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (set.Labels is null) throw new ArgumentException($"image set '{set.Name}' has no labels", nameof(set));
        if (set.Count == 0) throw new ArgumentException($"image set '{set.Name}' is empty", nameof(set));
        using var images = set.ToTensor();
        var predicted = Predict(images);
        int correct = 0;
        for (int i = 0; i < predicted.Length; i++) if (predicted[i] == set.Labels[i]) correct++;
        return (double)correct / predicted.Length;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            network.Dispose();
        }
    }

    /// <summary>Checks images for this classifier and returns their count.</summary>
    private int CheckedCount(Tensor images, string name)
    {
        ArgumentNullException.ThrowIfNull(images, name);
        if (images.dim() != 4 || images.shape[1] != Channels || images.shape[2] != Height || images.shape[3] != Width)
            throw new ArgumentException($"images must be [N, {Channels}, {Height}, {Width}] for this classifier, got [{string.Join(", ", images.shape)}]", name);
        if (!images.is_floating_point()) throw new ArgumentException($"images must be floating point, got {images.dtype}", name);
        if (images.shape[0] > 0)
        {
            using var finite = torch.isfinite(images).all();
            if (!finite.item<bool>()) throw new ArgumentException("images contain NaN or infinite values", name);
        }
        return (int)images.shape[0];
    }

    private static void ValidateSplits(ImageSet train, ImageSet test)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (train.Labels is null) throw new ArgumentException($"training set '{train.Name}' has no labels", nameof(train));
        if (test.Labels is null) throw new ArgumentException($"test set '{test.Name}' has no labels", nameof(test));
        if (train.Count < 2) throw new ArgumentException("training set needs at least 2 images", nameof(train));
        if (test.Count < 1) throw new ArgumentException("test set is empty", nameof(test));
        if (train.ClassCount < 2) throw new ArgumentException($"training set must have at least 2 classes, has {train.ClassCount}", nameof(train));
        if (train.Height < 4 || train.Width < 4) throw new ArgumentException($"images must be at least 4x4, got {train.Height}x{train.Width}", nameof(train));
        if (test.Channels != train.Channels || test.Height != train.Height || test.Width != train.Width || test.ClassCount != train.ClassCount)
            throw new ArgumentException($"test set ({test.Channels}x{test.Height}x{test.Width}, {test.ClassCount} classes) does not match the training set " +
                $"({train.Channels}x{train.Height}x{train.Width}, {train.ClassCount} classes)", nameof(test));
    }
}
