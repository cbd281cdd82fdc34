using Dsno.Runtime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Dsno.MLNet;

/// <summary>Writes generated images as PNG pictures (SixLabors.ImageSharp 2.1.13).</summary>
public static class DsnoImages
{
    private const int Gap = 1;

    /// <summary>
    /// Writes images (each flat [C*H*W] in [-1, 1], C = 1 or 3) as a grid with <paramref name="columns"/> columns, each image scaled up
    /// by <paramref name="scale"/> pixels per pixel. The file is written to a temporary name and renamed, so it is never half-written.
    /// </summary>
    public static void SaveGrid(IEnumerable<float[]> images, int channels, int height, int width, string pngPath, int columns = 8, int scale = 4)
    {
        var list = images.ToList();
        if (list.Count == 0) throw new ArgumentException("no images to draw", nameof(images));
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), columns, "need at least one column");
        int rows = (list.Count + columns - 1) / columns;
        SaveRows(Enumerable.Range(0, rows).Select(r => list.Skip(r * columns).Take(columns).ToList()).ToList(), channels, height, width, pngPath, scale);
    }

    /// <summary>
    /// Writes trajectories as a strip, one row per trajectory and one column per frame (noisiest left, sample right), like the
    /// paper's figure 2. Each trajectory is a list of frames, each flat [C*H*W] in [-1, 1].
    /// </summary>
    public static void SaveTrajectoryStrip(IEnumerable<IReadOnlyList<float[]>> trajectories, int channels, int height, int width, string pngPath, int scale = 4) =>
        SaveRows(trajectories.Select(t => t.ToList()).ToList(), channels, height, width, pngPath, scale);

    /// <summary>Writes a trajectory column [F, C, H, W] of several rows (each flat F*C*H*W) as a strip.</summary>
    public static void SaveTrajectoryStrip(IEnumerable<float[]> flatTrajectories, int frames, int channels, int height, int width, string pngPath, int scale = 4)
    {
        int size = channels * height * width;
        SaveTrajectoryStrip(flatTrajectories.Select(t =>
        {
            if (t.Length != frames * size) throw new ArgumentException($"a trajectory has {t.Length} values, expected {frames} x {size}");
            return (IReadOnlyList<float[]>)Enumerable.Range(0, frames).Select(f => t.AsSpan(f * size, size).ToArray()).ToList();
        }), channels, height, width, pngPath, scale);
    }

    private static void SaveRows(List<List<float[]>> rows, int channels, int height, int width, string pngPath, int scale)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "only 1 or 3 channels can be drawn");
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), "image size must be positive");
        if (scale < 1 || scale > 64) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be in 1..64");
        if (rows.Count == 0 || rows.All(r => r.Count == 0)) throw new ArgumentException("no images to draw");
        int size = channels * height * width;
        int columns = rows.Max(r => r.Count);
        int cell = width * scale + Gap, cellH = height * scale + Gap;
        using var picture = new Image<Rgb24>(columns * cell + Gap, rows.Count * cellH + Gap, new Rgb24(255, 255, 255));
        for (int r = 0; r < rows.Count; r++)
        {
            for (int c = 0; c < rows[r].Count; c++)
            {
                var image = rows[r][c];
                if (image.Length != size) throw new ArgumentException($"image ({r}, {c}) has {image.Length} values, expected {channels}x{height}x{width} = {size}");
                for (int y = 0; y < height * scale; y++)
                for (int x = 0; x < width * scale; x++)
                {
                    int p = (y / scale) * width + x / scale;
                    byte Channel(int k) => ToByte(image[k * height * width + p]);
                    picture[Gap + c * cell + x, Gap + r * cellH + y] = channels == 1
                        ? new Rgb24(Channel(0), Channel(0), Channel(0))
                        : new Rgb24(Channel(0), Channel(1), Channel(2));
                }
            }
        }
        AtomicFile.Write(pngPath, stream => picture.SaveAsPng(stream));
    }

    /// <summary>[-1, 1] to 0..255, clamped (NaN draws as black).</summary>
    internal static byte ToByte(float v) => float.IsNaN(v) ? (byte)0 : (byte)Math.Round(Math.Clamp((v + 1f) * 127.5f, 0f, 255f));
}
