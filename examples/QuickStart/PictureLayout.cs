using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Dsno.Examples;

/// <summary>Puts PNG pictures (such as those of <c>DsnoImages</c>) next to or under each other on a white background.</summary>
public static class PictureLayout
{
    /// <summary>Writes <paramref name="pictures"/> left to right, top-aligned, <paramref name="gap"/> pixels apart.</summary>
    public static void SideBySide(IReadOnlyList<string> pictures, string pngPath, int gap) => Compose(pictures, pngPath, gap, horizontal: true);

    /// <summary>Writes <paramref name="pictures"/> top to bottom, left-aligned, <paramref name="gap"/> pixels apart.</summary>
    public static void Stacked(IReadOnlyList<string> pictures, string pngPath, int gap) => Compose(pictures, pngPath, gap, horizontal: false);

    private static void Compose(IReadOnlyList<string> pictures, string pngPath, int gap, bool horizontal)
    {
        ArgumentNullException.ThrowIfNull(pictures);
        if (pictures.Count == 0) throw new ArgumentException("no pictures to lay out", nameof(pictures));
        if (gap < 0) throw new ArgumentOutOfRangeException(nameof(gap), gap, "gap must not be negative");
        var parts = pictures.Select(p => Image.Load<Rgb24>(p)).ToList();
        try
        {
            int width = horizontal ? parts.Sum(p => p.Width) + gap * (parts.Count - 1) : parts.Max(p => p.Width);
            int height = horizontal ? parts.Max(p => p.Height) : parts.Sum(p => p.Height) + gap * (parts.Count - 1);
            using var canvas = new Image<Rgb24>(width, height, new Rgb24(255, 255, 255));
            int offset = 0;
            foreach (var part in parts)
            {
                var at = horizontal ? new Point(offset, 0) : new Point(0, offset);
                canvas.Mutate(c => c.DrawImage(part, at, 1f));
                offset += (horizontal ? part.Width : part.Height) + gap;
            }
            string full = Path.GetFullPath(pngPath);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            canvas.SaveAsPng(full + ".tmp");
            File.Move(full + ".tmp", full, overwrite: true);
        }
        finally
        {
            foreach (var part in parts) part.Dispose();
        }
    }
}
