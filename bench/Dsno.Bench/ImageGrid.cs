using Dsno.Runtime;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Bench;

/// <summary>Writes labelled rows of small images (values in [-1, 1], grey or RGB) as one PNG, enlarged with nearest-neighbour pixels.</summary>
public static class ImageGrid
{
    /// <summary>Writes the rows; each row is a label and a tensor [K, C, H, W].</summary>
    public static void Write(string path, IReadOnlyList<(string Label, Tensor Images)> rows, int scale, IReadOnlyList<string>? columnLabels = null)
    {
        if (rows.Count == 0) return;
        var first = rows[0].Images;
        int channels = (int)first.shape[1], h = (int)first.shape[2], w = (int)first.shape[3];
        int columns = rows.Max(r => (int)r.Images.shape[0]);
        const int gap = 2, headerHeight = 22;
        using var font = new SKFont(SKTypeface.Default, 14);
        using var smallFont = new SKFont(SKTypeface.Default, 11);
        int labelWidth = (int)Math.Ceiling(rows.Max(r => font.MeasureText(r.Label))) + 16;
        int top = columnLabels is null ? gap : headerHeight;
        int cell = w * scale + gap;
        int width = labelWidth + columns * cell + gap, height = top + rows.Count * (h * scale + gap) + gap;

        using var bitmap = new SKBitmap(width, height);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        if (columnLabels is not null)
            for (int c = 0; c < columnLabels.Count && c < columns; c++)
                canvas.DrawText(columnLabels[c], labelWidth + c * cell + cell / 2f, headerHeight - 6, SKTextAlign.Center, smallFont, ink);

        for (int r = 0; r < rows.Count; r++)
        {
            int y0 = top + r * (h * scale + gap);
            canvas.DrawText(rows[r].Label, 6, y0 + h * scale / 2f + 5, SKTextAlign.Left, font, ink);
            using var cpu = rows[r].Images.to(ScalarType.Float32).cpu().ClampTo(-1, 1).contiguous();
            var values = cpu.data<float>().ToArray();
            int k = (int)cpu.shape[0];
            for (int i = 0; i < k; i++)
            {
                int x0 = labelWidth + i * cell;
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        byte Channel(int c) => (byte)Math.Round((values[((i * channels + c) * h + y) * w + x] + 1) * 127.5);
                        var color = channels >= 3 ? new SKColor(Channel(0), Channel(1), Channel(2)) : new SKColor(Channel(0), Channel(0), Channel(0));
                        using var paint = new SKPaint { Color = color };
                        canvas.DrawRect(x0 + x * scale, y0 + y * scale, scale, scale, paint);
                    }
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }
}
