namespace Dsno.Cli.Infrastructure;

/// <summary>Resolves a <c>--data</c> / <c>--reference</c> argument to an image data view: the embedded digits, an IDX file or an image folder.</summary>
public static class ImageSources
{
    /// <summary>The word that selects the embedded 8x8 digits.</summary>
    public const string Digits = "digits";

    /// <summary>
    /// Loads the images named by <paramref name="data"/> (<c>digits</c>, an IDX images file, .gz or raw, or a folder of PNG/JPEG images
    /// with one sub-folder per class). Usage errors for options that do not fit the source; bad input for missing or unreadable files.
    /// </summary>
    public static IDataView Load(MLContext ml, string option, string data, string? labels, int? pad, (int Height, int Width)? size, bool grayscale)
    {
        ArgumentNullException.ThrowIfNull(ml);
        if (string.Equals(data, Digits, StringComparison.OrdinalIgnoreCase))
        {
            if (labels is not null || pad is not null || size is not null)
                throw new UsageException($"--labels, --pad and --size do not apply to {option} digits (the embedded 8x8 digits carry their labels)");
            return ml.Data.LoadDigits();
        }
        if (Directory.Exists(data))
        {
            if (labels is not null || pad is not null) throw new UsageException($"--labels and --pad apply to IDX files, not to the image folder '{data}'");
            if (size is not { } s) throw new UsageException($"{option} '{data}' is a folder: give the size to resize its images to with --size HxW, e.g. --size 32x32");
            return Read(option, data, "a folder of PNG/JPEG images (one sub-folder per class)", () => ml.Data.LoadImageFolder(data, s.Height, s.Width, grayscale));
        }
        if (!File.Exists(data))
            throw new BadInputException($"{option} '{data}' not found: give 'digits', an IDX images file (.gz or raw) or a folder of PNG/JPEG images");
        if (size is not null) throw new UsageException($"--size applies to image folders; '{data}' is a file (use --pad to enlarge IDX images)");
        if (labels is not null && !File.Exists(labels))
            throw new BadInputException($"--labels '{labels}' not found: give the IDX labels file that goes with '{data}'");
        return Read(option, data, "an IDX images file (MNIST format, .gz or raw)", () => ml.Data.LoadIdxImages(data, labels, pad));
    }

    private static IDataView Read(string option, string path, string expected, Func<IDataView> load)
    {
        try { return load(); }
        catch (Exception e) when (e is not OperationCanceledException and not UsageException and not BadInputException)
        {
            throw new BadInputException($"{option} '{path}' could not be read as {expected}: {ErrorMapper.OneLine(e.Message)}", e);
        }
    }
}
