using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Dsno.Metrics;

// The cache file: the key of what determines the weights, the file name, the atomic writer and the validating reader.
public sealed partial class FeatureClassifier
{
    private const string FileMagic = "DSNOFCLS";
    private const int FileFormatVersion = 1;
    private const int MaxSide = 4096;
    private const int MaxClasses = 100_000;
    private const int MaxChannels = 64;
    private const int MaxWidth = 1 << 16;

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
            ModelFileHeader.Write(writer, FileMagic, header);
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
            header = ModelFileHeader.Read<Header>(reader, FileMagic, $"feature-classifier file '{path}'");
            var (key, _, channels, height, width, classes, baseChannels, featureDim, groups, trainCount, testCount, accuracy) = header;
            int weightLength = reader.ReadInt32();
            byte[] storedHash = reader.ReadBytes(32);

            if (key is not { Length: 64 } || !key.All(char.IsAsciiHexDigitLower)) throw Invalid(path, "malformed training key");
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

    private static void CheckRange(string path, string what, int value, int min, int max)
    {
        if (value < min || value > max) throw Invalid(path, $"{what} {value} outside [{min}, {max}]");
    }

    private static InvalidDataException Invalid(string path, string message) => new($"feature-classifier file '{path}': {message}");

    private sealed record Header(string Key, string DataName, int Channels, int Height, int Width, int Classes, int BaseChannels,
        int FeatureDim, int Groups, int TrainCount, int TestCount, double TestAccuracy);
}
