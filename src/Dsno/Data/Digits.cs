using System.Globalization;
using System.IO.Compression;

namespace Dsno.Data;

/// <summary>
/// The default data set, embedded in the Dsno assembly: the UCI "Optical Recognition of Handwritten Digits" test portion as shipped
/// by scikit-learn (1,797 grayscale 8x8 images, labels 0..9). Creators E. Alpaydin and C. Kaynak, UCI Machine Learning Repository,
/// licence CC BY 4.0 (see DIGITS-ATTRIBUTION.md).
/// </summary>
public static class Digits
{
    /// <summary>The manifest resource name of the gzip CSV (64 pixel columns 0..16, then the label).</summary>
    public const string ResourceName = "Dsno.Resources.digits.csv.gz";

    /// <summary>The credit line to show wherever the data set is used or redistributed.</summary>
    public const string Attribution =
        "Optical Recognition of Handwritten Digits, E. Alpaydin and C. Kaynak, UCI Machine Learning Repository, CC BY 4.0";

    /// <summary>Images in the embedded set.</summary>
    public const int ImageCount = 1797;

    /// <summary>Height and width of each image.</summary>
    public const int Side = 8;

    /// <summary>The largest raw pixel value in the source (pixels count set cells of a 4x4 block, 0..16).</summary>
    public const int MaxRawValue = 16;

    /// <summary>
    /// Loads the embedded digits: [1797, 1, 8, 8], raw pixels 0..16 mapped linearly to [-1, 1] (v / 8 - 1), labels 0..9,
    /// class names "0".."9". Each call returns a fresh copy.
    /// </summary>
    /// <exception cref="InvalidOperationException">The resource is missing from the assembly.</exception>
    /// <exception cref="InvalidDataException">The resource is not the expected CSV.</exception>
    public static ImageSet Load()
    {
        var assembly = typeof(Digits).Assembly;
        using var raw = assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException(
                $"embedded resource '{ResourceName}' is missing from assembly {assembly.GetName().Name}; " +
                $"it holds: [{string.Join(", ", assembly.GetManifestResourceNames())}]");
        using var gzip = new GZipStream(raw, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);

        const int pixelsPerImage = Side * Side;
        var pixels = new float[ImageCount * pixelsPerImage];
        var labels = new int[ImageCount];
        int row = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0) continue;
            if (row >= ImageCount) throw Bad($"more than {ImageCount} rows");
            var fields = line.Split(',');
            if (fields.Length != pixelsPerImage + 1) throw Bad($"row {row} has {fields.Length} fields, expected {pixelsPerImage + 1}");
            for (int k = 0; k < pixelsPerImage; k++)
            {
                int v = Parse(fields[k], row, k);
                if (v < 0 || v > MaxRawValue) throw Bad($"row {row} column {k}: pixel {v} outside 0..{MaxRawValue}");
                pixels[row * pixelsPerImage + k] = v * (2f / MaxRawValue) - 1f;
            }
            int label = Parse(fields[pixelsPerImage], row, pixelsPerImage);
            if (label < 0 || label > 9) throw Bad($"row {row}: label {label} outside 0..9");
            labels[row++] = label;
        }
        if (row != ImageCount) throw Bad($"{row} rows, expected {ImageCount}");

        var classNames = Enumerable.Range(0, 10).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray();
        return new ImageSet(pixels, ImageCount, 1, Side, Side, labels, 10, "digits", classNames);
    }

    private static int Parse(string field, int row, int column) =>
        int.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw Bad($"row {row} column {column}: '{field}' is not an integer");

    private static InvalidDataException Bad(string problem) => new($"embedded resource '{ResourceName}': {problem}");
}
