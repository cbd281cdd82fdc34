using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Dsno.Metrics;

/// <summary>
/// A small CNN classifier trained on a data set's training split, whose penultimate activations serve as the feature space of the
/// sample-quality metrics (Frechet distance "FD", KID, precision/recall). It stands in for Inception-v3, whose weights are not
/// available here, so distances computed on it are called FD, never FID, and are only comparable between runs that use the same
/// classifier (same data, options and therefore the same <see cref="Description"/>).
/// </summary>
public sealed class FeatureClassifier : IDisposable
{
    private const string FileMagic = "DSNOFCLS";
    private const int FileFormatVersion = 1;
    private const int MaxSide = 4096;
    private const int MaxClasses = 100_000;
    private const int MaxChannels = 64;
    private const int MaxWidth = 1 << 16;
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

    /// <summary>Checks images for this classifier and returns their count.</summary>
    private int CheckedCount(Tensor images, string paramName)
    {
        ArgumentNullException.ThrowIfNull(images, paramName);
        CheckImages(images, paramName);
        return (int)images.shape[0];
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

    /// <summary>
    /// Hex SHA-256 of everything that determines the trained weights and the stored accuracy: both splits' shapes, pixels and labels,
    /// and the options (device and thread count excluded).
    /// </summary>
    public static string CacheKey(ImageSet train, ImageSet test, ClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(options);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{FileMagic}/{FileFormatVersion};{options.CacheKeyText()}"));
        foreach (var set in new[] { train, test })
        {
            hash.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $";set:{set.Count},{set.Channels},{set.Height},{set.Width},{set.ClassCount},{set.Labels is not null}")));
            hash.AppendData(MemoryMarshal.AsBytes(set.Pixels.AsSpan()));
            if (set.Labels is not null) hash.AppendData(MemoryMarshal.AsBytes(set.Labels.AsSpan()));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The cache file name for a <see cref="CacheKey"/>: <c>feature-classifier-&lt;first 16 hex digits&gt;.bin</c>.</summary>
    public static string CacheFileName(string key) => $"feature-classifier-{key[..16]}.bin";

    /// <summary>
    /// Writes the classifier (header, SHA-256 of the weights, weights) to <paramref name="path"/> atomically: a temporary file in the
    /// same folder is written in full and then renamed over the target, so readers never see half a file.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] weights;
        lock (gate)
        {
            using var buffer = new MemoryStream();
            using (var weightWriter = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
                Network.save(weightWriter);
            weights = buffer.ToArray();
        }
        AtomicFile.Write(path, file =>
        {
            using var writer = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true);
            writer.Write(Encoding.ASCII.GetBytes(FileMagic));
            writer.Write(FileFormatVersion);
            writer.Write(TrainingKey);
            writer.Write(DataName);
            writer.Write(Channels);
            writer.Write(Height);
            writer.Write(Width);
            writer.Write(ClassCount);
            writer.Write(BaseChannels);
            writer.Write(FeatureDim);
            writer.Write(GroupNormGroups);
            writer.Write(TrainCount);
            writer.Write(TestCount);
            writer.Write(TestAccuracy);
            writer.Write(weights.Length);
            writer.Write(SHA256.HashData(weights));
            writer.Write(weights);
        });
    }

    /// <summary>
    /// Reads a classifier written by <see cref="Save"/> onto <paramref name="device"/>. When <paramref name="expectedKey"/> is given the file
    /// must have been trained on exactly that data and options.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is truncated, tampered with, of another format, out of bounds, or for another key.</exception>
    public static FeatureClassifier Load(string path, string device = "cpu", string? expectedKey = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Header header;
        byte[] weights;
        try
        {
            using var file = File.OpenRead(path);
            using var reader = new BinaryReader(file, Encoding.UTF8);
            var magic = reader.ReadBytes(FileMagic.Length);
            if (Encoding.ASCII.GetString(magic) != FileMagic) throw Invalid(path, "not a feature-classifier file (bad magic)");
            int version = reader.ReadInt32();
            if (version != FileFormatVersion) throw Invalid(path, $"format version {version}, expected {FileFormatVersion}");
            string key = reader.ReadString();
            string dataName = reader.ReadString();
            int channels = reader.ReadInt32(), height = reader.ReadInt32(), width = reader.ReadInt32(), classes = reader.ReadInt32();
            int baseChannels = reader.ReadInt32(), featureDim = reader.ReadInt32(), groups = reader.ReadInt32();
            int trainCount = reader.ReadInt32(), testCount = reader.ReadInt32();
            double accuracy = reader.ReadDouble();
            int weightLength = reader.ReadInt32();
            byte[] storedHash = reader.ReadBytes(32);

            if (key.Length != 64 || !key.All(char.IsAsciiHexDigitLower)) throw Invalid(path, "malformed training key");
            if (expectedKey is not null && key != expectedKey) throw Invalid(path, $"trained on other data or options (key {key[..12]}, expected {expectedKey[..Math.Min(12, expectedKey.Length)]})");
            CheckRange(path, "channels", channels, 1, MaxChannels);
            CheckRange(path, "height", height, 4, MaxSide);
            CheckRange(path, "width", width, 4, MaxSide);
            CheckRange(path, "classes", classes, 2, MaxClasses);
            CheckRange(path, "base channels", baseChannels, 1, MaxWidth);
            CheckRange(path, "feature width", featureDim, 2, MaxWidth);
            CheckRange(path, "GroupNorm groups", groups, 1, baseChannels);
            if (baseChannels % groups != 0) throw Invalid(path, $"GroupNorm groups {groups} do not divide base channels {baseChannels}");
            CheckRange(path, "train count", trainCount, 1, int.MaxValue);
            CheckRange(path, "test count", testCount, 1, int.MaxValue);
            if (!(accuracy >= 0 && accuracy <= 1)) throw Invalid(path, $"test accuracy {accuracy} outside [0, 1]");
            if (weightLength <= 0 || weightLength != file.Length - file.Position)
                throw Invalid(path, $"weights length {weightLength} does not match the {file.Length - file.Position} bytes left");
            weights = reader.ReadBytes(weightLength);
            if (weights.Length != weightLength) throw Invalid(path, "truncated weights");
            if (!SHA256.HashData(weights).AsSpan().SequenceEqual(storedHash)) throw Invalid(path, "weights do not match their SHA-256 (corrupted or tampered)");
            header = new Header(key, dataName, channels, height, width, classes, baseChannels, featureDim, groups, trainCount, testCount, accuracy);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"feature-classifier file '{path}' is truncated", e);
        }

        var network = new FeatureClassifierNetwork(header.Channels, header.Classes, header.BaseChannels, header.FeatureDim, header.Groups);
        try
        {
            try
            {
                using var buffer = new MemoryStream(weights, writable: false);
                using var weightReader = new BinaryReader(buffer);
                network.load(weightReader, strict: true);
            }
            catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
            {
                throw new InvalidDataException($"feature-classifier file '{path}': weights do not fit the stored architecture ({e.Message})", e);
            }
            using (torch.no_grad())
            {
                foreach (var (name, parameter) in network.named_parameters())
                    if (!torch.isfinite(parameter).all().item<bool>()) throw Invalid(path, $"parameter '{name}' holds NaN or infinite values");
            }
            var target = torch.device(device);
            network.to(target);
            network.eval();
            return new FeatureClassifier(network, header, target);
        }
        catch
        {
            network.Dispose();
            throw;
        }
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

    private void CheckImages(Tensor images, string name)
    {
        if (images.dim() != 4 || images.shape[1] != Channels || images.shape[2] != Height || images.shape[3] != Width)
            throw new ArgumentException($"images must be [N, {Channels}, {Height}, {Width}] for this classifier, got [{string.Join(", ", images.shape)}]", name);
        if (!images.is_floating_point()) throw new ArgumentException($"images must be floating point, got {images.dtype}", name);
        if (images.shape[0] > 0)
        {
            using var finite = torch.isfinite(images).all();
            if (!finite.item<bool>()) throw new ArgumentException("images contain NaN or infinite values", name);
        }
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
        foreach (var (set, name) in new[] { (train, nameof(train)), (test, nameof(test)) })
        {
            foreach (int label in set.Labels!)
                if (label < 0 || label >= train.ClassCount) throw new ArgumentException($"label {label} outside [0, {train.ClassCount})", name);
        }
    }

    private static void CheckRange(string path, string what, int value, int min, int max)
    {
        if (value < min || value > max) throw Invalid(path, $"{what} {value} outside [{min}, {max}]");
    }

    private static InvalidDataException Invalid(string path, string message) => new($"feature-classifier file '{path}': {message}");

    private sealed record Header(string Key, string DataName, int Channels, int Height, int Width, int Classes, int BaseChannels,
        int FeatureDim, int Groups, int TrainCount, int TestCount, double TestAccuracy);
}
