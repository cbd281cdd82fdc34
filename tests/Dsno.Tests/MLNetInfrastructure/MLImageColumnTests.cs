using System.Runtime.CompilerServices;
using Dsno.MLNet.Internal;
using Dsno.Tests.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using SixLabors.ImageSharp.PixelFormats;

namespace Dsno.Tests.MLNetInfrastructure;

/// <summary>
/// The MLImage column drawn from a float image column in [-1, 1]: pixel values (rounded to nearest, ties to even, so 0 gives 128;
/// clamped; NaN as 0; opaque), channel order, laziness, the row mapper behind PredictionEngine, and PNG output.
/// </summary>
public class MLImageColumnTests
{
    private sealed class GreyRow
    {
        [VectorType(1, 2, 3)] public float[] Image { get; set; } = new float[6];
        public string Name { get; set; } = "";
    }

    private sealed class ColourRow
    {
        [VectorType(3, 2, 2)] public float[] Image { get; set; } = new float[12];
        public string Name { get; set; } = "";
    }

    /// <summary>A row that counts how often its image is read.</summary>
    private sealed class CountingRow
    {
        private float[] _image;
        private readonly StrongBox<int> _reads;

        public CountingRow(float[] image, string name, StrongBox<int> reads)
        {
            _image = image;
            _reads = reads;
            Name = name;
        }

        [VectorType(1, 2, 3)]
        public float[] Image
        {
            get
            {
                _reads.Value++;
                return _image;
            }
            set => _image = value;
        }

        public string Name { get; set; }
    }

    private sealed class PixelsInput
    {
        [VectorType(1, 3, 5)] public float[] Pixels { get; set; } = new float[15];
    }

    private sealed class PictureOutput
    {
        /// <summary>ML.NET maps an MLImage member only when it carries its size (the attribute registers the image type).</summary>
        [ImageType(3, 5)] public MLImage? Picture { get; set; }
        [VectorType(15)] public float[] Image { get; set; } = Array.Empty<float>();
    }

    /// <summary>A transformer that appends the MLImage column to a stock transformer's output, as the DSNO transformers do.</summary>
    private sealed class WithMLImage : ITransformer
    {
        private readonly ITransformer _inner;
        private readonly MLImageColumn.Request _request;

        public WithMLImage(ITransformer inner, MLImageColumn.Request request)
        {
            _inner = inner;
            _request = request;
        }

        public bool IsRowToRowMapper => true;

        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => MLImageColumn.Schema(_inner.GetOutputSchema(inputSchema), _request);

        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => MLImageColumn.Mapper(_inner.GetRowToRowMapper(inputSchema), _request);

        public IDataView Transform(IDataView input) => MLImageColumn.Append(_inner.Transform(input), _request);

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException();
    }

    private static readonly MLImageColumn.Request Grey = new("Image", "Picture", 1, 2, 3);
    private static readonly MLImageColumn.Request Colour = new("Image", "Picture", 3, 2, 2);

    /// <summary>The (R, G, B, A) of each pixel, row-major, whichever byte order the image keeps.</summary>
    private static (byte R, byte G, byte B, byte A)[] Pixels(MLImage image)
    {
        var bytes = image.Pixels.ToArray();
        Assert.Equal(image.Width * image.Height * 4, bytes.Length);
        Assert.Contains(image.PixelFormat, new[] { MLPixelFormat.Rgba32, MLPixelFormat.Bgra32 });
        bool bgra = image.PixelFormat == MLPixelFormat.Bgra32;
        return Enumerable.Range(0, image.Width * image.Height).Select(p =>
        {
            byte c0 = bytes[4 * p], c1 = bytes[4 * p + 1], c2 = bytes[4 * p + 2], a = bytes[4 * p + 3];
            return bgra ? (c2, c1, c0, a) : (c0, c1, c2, a);
        }).ToArray();
    }

    /// <summary>Whether <paramref name="pixel"/> is the nearest byte to <paramref name="value"/> mapped from [-1, 1] to [0, 255], clamped.</summary>
    private static bool IsNearest(float value, byte pixel)
    {
        double target = Math.Clamp((value + 1.0) / 2.0 * 255.0, 0.0, 255.0);
        return Math.Abs(pixel - target) <= 0.5 + 1e-4;
    }

    /// <summary>Every image of the column, row after row, read through a cursor that asks only for it.</summary>
    private static List<MLImage> Images(IDataView view, string column)
    {
        var col = view.Schema[column];
        var images = new List<MLImage>();
        using var cursor = view.GetRowCursor(new[] { col });
        var getter = cursor.GetGetter<MLImage>(col);
        while (cursor.MoveNext())
        {
            MLImage image = null!;
            getter(ref image);
            images.Add(image);
        }
        return images;
    }

    [Fact]
    public void GreyPixelsAreClampedRoundedOpaqueAndReplicated()
    {
        var ml = new MLContext(seed: 1);
        float[] known = { -1f, 0f, 1f, 2f, float.NaN, -3f };
        int[] expected = { 0, 128, 255, 255, 0, 0 }; // 0 -> 127.5 rounds to 128
        var random = new Random(5);
        var rows = new List<GreyRow> { new() { Image = known, Name = "known" } };
        for (int i = 0; i < 5; i++)
            rows.Add(new GreyRow { Image = Enumerable.Range(0, 6).Select(_ => (float)(random.NextDouble() * 3 - 1.5)).ToArray(), Name = $"r{i}" });

        var view = MLImageColumn.Append(ml.Data.LoadFromEnumerable(rows), Grey);
        var type = Assert.IsType<ImageDataViewType>(view.Schema["Picture"].Type);
        Assert.Equal((2, 3), (type.Height, type.Width));

        var images = Images(view, "Picture");
        Assert.Equal(rows.Count, images.Count);
        for (int r = 0; r < rows.Count; r++)
        {
            Assert.Equal((3, 2), (images[r].Width, images[r].Height));
            var pixels = Pixels(images[r]);
            for (int p = 0; p < 6; p++)
            {
                var (red, green, blue, alpha) = pixels[p];
                Assert.Equal(255, alpha);
                Assert.Equal(red, green);
                Assert.Equal(red, blue);
                if (r == 0) Assert.Equal(expected[p], red);
                else Assert.True(IsNearest(rows[r].Image[p], red), $"row {r} pixel {p}: {rows[r].Image[p]} drawn as {red}");
            }
        }
        // Each image keeps its own pixels after later rows were read.
        Assert.NotEqual(Pixels(images[0]), Pixels(images[1]));
    }

    [Fact]
    public void ColourChannelsAreRedGreenBlueInPlaneOrder()
    {
        var ml = new MLContext(seed: 1);
        // Planes [C, H, W]: pixel p has red = plane 0, green = plane 1, blue = plane 2.
        float[] red = { 1f, -1f, 0f, 0.5f };
        float[] green = { -1f, 0f, 1f, -0.5f };
        float[] blue = { 0f, 1f, -1f, 0.25f };
        var row = new ColourRow { Image = red.Concat(green).Concat(blue).ToArray(), Name = "c" };
        var view = MLImageColumn.Append(ml.Data.LoadFromEnumerable(new[] { row }), Colour);

        var pixels = Pixels(Assert.Single(Images(view, "Picture")));
        for (int p = 0; p < 4; p++)
        {
            Assert.True(IsNearest(red[p], pixels[p].R), $"pixel {p} red {pixels[p].R}");
            Assert.True(IsNearest(green[p], pixels[p].G), $"pixel {p} green {pixels[p].G}");
            Assert.True(IsNearest(blue[p], pixels[p].B), $"pixel {p} blue {pixels[p].B}");
            Assert.Equal(255, pixels[p].A);
        }
        Assert.Equal((255, 0, 128), (pixels[0].R, pixels[0].G, pixels[0].B));
    }

    [Fact]
    public void ImageIsComputedOnlyWhenItsColumnIsRead()
    {
        var ml = new MLContext(seed: 1);
        var reads = new StrongBox<int>();
        var rows = Enumerable.Range(0, 4).Select(i => new CountingRow(new float[] { i, 0, 0, 0, 0, -1 }, $"n{i}", reads)).ToList();
        var source = ml.Data.LoadFromEnumerable(rows);
        var view = MLImageColumn.Append(source, Grey);

        // Without the image column: names pass through and the source image is never read.
        var names = new List<string>();
        using (var cursor = view.GetRowCursor(new[] { view.Schema["Name"] }))
        {
            Assert.False(cursor.IsColumnActive(view.Schema["Picture"]));
            Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<MLImage>(view.Schema["Picture"]));
            var getter = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema["Name"]);
            ReadOnlyMemory<char> name = default;
            while (cursor.MoveNext())
            {
                getter(ref name);
                names.Add(name.ToString());
            }
        }
        Assert.Equal(rows.Select(r => r.Name), names);
        Assert.Equal(0, reads.Value);

        // With it: one source read per image read, and a getter of the wrong type is refused.
        using (var cursor = view.GetRowCursor(new[] { view.Schema["Picture"] }))
        {
            Assert.True(cursor.IsColumnActive(view.Schema["Picture"]));
            Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<VBuffer<float>>(view.Schema["Picture"]));
            var getter = cursor.GetGetter<MLImage>(view.Schema["Picture"]);
            MLImage image = null!;
            while (cursor.MoveNext()) getter(ref image);
        }
        Assert.Equal(rows.Count, reads.Value);

        // The same through the row mapper: a row without the image never reads the source.
        ITransformer copy = ml.Transforms.CopyColumns("Copy", "Name").Fit(source);
        var mapper = MLImageColumn.Mapper(copy.GetRowToRowMapper(source.Schema), Grey);
        reads.Value = 0;
        using (var cursor = source.GetRowCursor(source.Schema))
        using (var row = mapper.GetRow(cursor, new[] { mapper.OutputSchema["Copy"] }))
        {
            var getter = row.GetGetter<ReadOnlyMemory<char>>(mapper.OutputSchema["Copy"]);
            ReadOnlyMemory<char> copied = default;
            while (cursor.MoveNext()) getter(ref copied);
            Assert.False(row.IsColumnActive(mapper.OutputSchema["Picture"]));
        }
        Assert.Equal(0, reads.Value);
    }

    [Fact]
    public void PredictionEngineReturnsTheImageThroughTheRowMapper()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(11);
        var inputs = Enumerable.Range(0, 3)
            .Select(_ => new PixelsInput { Pixels = Enumerable.Range(0, 15).Select(_ => (float)(random.NextDouble() * 2.4 - 1.2)).ToArray() })
            .ToList();
        var data = ml.Data.LoadFromEnumerable(inputs);
        var request = new MLImageColumn.Request("Image", "Picture", 1, 3, 5);
        var model = new WithMLImage(ml.Transforms.CopyColumns("Image", "Pixels").Fit(data), request);

        var mapper = model.GetRowToRowMapper(data.Schema);
        Assert.IsType<ImageDataViewType>(mapper.OutputSchema["Picture"].Type);
        Assert.Equal(model.GetOutputSchema(data.Schema).Select(c => (c.Name, c.Type)), mapper.OutputSchema.Select(c => (c.Name, c.Type)));
        // The image depends on the copied column, which depends on the input pixels.
        Assert.Equal(new[] { "Pixels" }, mapper.GetDependencies(new[] { mapper.OutputSchema["Picture"] }).Select(c => c.Name));

        var engine = ml.Model.CreatePredictionEngine<PixelsInput, PictureOutput>(model);
        foreach (var input in inputs)
        {
            var output = engine.Predict(input);
            Assert.Equal(input.Pixels, output.Image);
            var picture = Assert.IsType<MLImage>(output.Picture);
            Assert.Equal((5, 3), (picture.Width, picture.Height));
            var pixels = Pixels(picture);
            for (int p = 0; p < 15; p++)
            {
                Assert.True(IsNearest(input.Pixels[p], pixels[p].R), $"pixel {p}: {input.Pixels[p]} drawn as {pixels[p].R}");
                Assert.Equal((pixels[p].R, pixels[p].R, 255), (pixels[p].G, pixels[p].B, pixels[p].A));
            }
        }
    }

    [Fact]
    public void ImageSavesAsPngThatDecodesToTheSamePixels()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(3);
        var input = new PixelsInput { Pixels = Enumerable.Range(0, 15).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray() };
        var view = MLImageColumn.Append(ml.Transforms.CopyColumns("Image", "Pixels").Fit(ml.Data.LoadFromEnumerable(new[] { input }))
            .Transform(ml.Data.LoadFromEnumerable(new[] { input })), new MLImageColumn.Request("Image", "Picture", 1, 3, 5));
        using var image = Assert.Single(Images(view, "Picture"));
        var expected = Pixels(image);

        using var folder = new TempFolder();
        string path = folder.File("picture.png");
        image.Save(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(path).Take(4));

        // Decoded by an independent reader (ImageSharp) and by MLImage itself.
        using (var decoded = SixLabors.ImageSharp.Image.Load<Rgba32>(path))
        {
            Assert.Equal((5, 3), (decoded.Width, decoded.Height));
            for (int y = 0; y < 3; y++)
            for (int x = 0; x < 5; x++)
            {
                var e = expected[y * 5 + x];
                var d = decoded[x, y];
                Assert.Equal((e.R, e.G, e.B, e.A), (d.R, d.G, d.B, d.A));
                Assert.True(IsNearest(input.Pixels[y * 5 + x], d.R));
            }
        }
        using var reloaded = MLImage.CreateFromFile(path);
        Assert.Equal(expected, Pixels(reloaded));
    }

    [Fact]
    public void SchemaMatchesTheViewAndASameNamedColumnIsHidden()
    {
        var ml = new MLContext(seed: 1);
        var rows = new[] { new GreyRow { Image = new float[] { -1, -0.5f, 0, 0.5f, 1, 0 }, Name = "a" } };
        var source = ml.Data.LoadFromEnumerable(rows);
        var request = new MLImageColumn.Request("Image", "Name", 1, 2, 3);

        var view = MLImageColumn.Append(source, request);
        var schema = MLImageColumn.Schema(source.Schema, request);
        Assert.Equal(view.Schema.Select(c => (c.Name, c.Index, c.IsHidden, c.Type)), schema.Select(c => (c.Name, c.Index, c.IsHidden, c.Type)));
        Assert.Equal(source.Schema.Count + 1, schema.Count);
        Assert.IsType<ImageDataViewType>(schema["Name"].Type);
        Assert.Equal(source.Schema.Count, schema["Name"].Index);
        var hidden = schema[source.Schema["Name"].Index];
        Assert.True(hidden.IsHidden);
        Assert.Equal(TextDataViewType.Instance, hidden.Type);
        // Earlier columns keep their index and annotations (the [1, 2, 3] dimensions live in the type).
        Assert.Equal(source.Schema["Image"].Type, schema["Image"].Type);

        // The hidden text column still passes through.
        using var cursor = view.GetRowCursor(new[] { hidden, schema["Name"] });
        var text = cursor.GetGetter<ReadOnlyMemory<char>>(hidden);
        var picture = cursor.GetGetter<MLImage>(schema["Name"]);
        Assert.True(cursor.MoveNext());
        ReadOnlyMemory<char> value = default;
        MLImage image = null!;
        text(ref value);
        picture(ref image);
        Assert.Equal("a", value.ToString());
        Assert.Equal(new byte[] { 0, 64, 128, 191, 255, 128 }, Pixels(image).Select(p => p.R)); // 63.75 -> 64, 191.25 -> 191
        Assert.False(cursor.MoveNext());
    }

    [Fact]
    public void CursorSetRowCountAndShufflingPassThrough()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(7);
        var rows = Enumerable.Range(0, 20)
            .Select(i => new GreyRow { Image = Enumerable.Range(0, 6).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), Name = $"r{i}" })
            .ToList();
        var byName = rows.ToDictionary(r => r.Name);
        var source = ml.Data.Cache(ml.Data.LoadFromEnumerable(rows));
        var view = MLImageColumn.Append(source, Grey);
        Assert.Equal(source.GetRowCount(), view.GetRowCount());
        Assert.Equal(source.CanShuffle, view.CanShuffle);

        var columns = new[] { view.Schema["Name"], view.Schema["Picture"] };
        var seen = new List<string>();
        void Check(DataViewRowCursor cursor)
        {
            var name = cursor.GetGetter<ReadOnlyMemory<char>>(columns[0]);
            var picture = cursor.GetGetter<MLImage>(columns[1]);
            ReadOnlyMemory<char> n = default;
            MLImage image = null!;
            while (cursor.MoveNext())
            {
                name(ref n);
                picture(ref image);
                var row = byName[n.ToString()];
                var pixels = Pixels(image);
                for (int p = 0; p < 6; p++) Assert.True(IsNearest(row.Image[p], pixels[p].R), $"{row.Name} pixel {p}");
                seen.Add(row.Name);
            }
        }

        var set = view.GetRowCursorSet(columns, 2);
        Assert.NotEmpty(set);
        foreach (var cursor in set)
            using (cursor) Check(cursor);
        Assert.Equal(rows.Select(r => r.Name).Order(), seen.Order());

        // A shuffled cursor keeps each image with its own row.
        seen.Clear();
        using (var shuffled = view.GetRowCursor(columns, new Random(2))) Check(shuffled);
        Assert.Equal(rows.Select(r => r.Name).Order(), seen.Order());
        if (source.CanShuffle) Assert.NotEqual(rows.Select(r => r.Name), seen);
    }

    [Fact]
    public void NullRequestReturnsTheInputItself()
    {
        var ml = new MLContext(seed: 1);
        var source = ml.Data.LoadFromEnumerable(new[] { new GreyRow() });
        ITransformer copy = ml.Transforms.CopyColumns("Copy", "Image").Fit(source);
        var mapper = copy.GetRowToRowMapper(source.Schema);
        Assert.Same(source, MLImageColumn.Append(source, null));
        Assert.Same(source.Schema, MLImageColumn.Schema(source.Schema, null));
        Assert.Same(mapper, MLImageColumn.Mapper(mapper, null));
    }

    [Fact]
    public void MissingOrMisSizedImageColumnIsRejectedByName()
    {
        var ml = new MLContext(seed: 1);
        var source = ml.Data.LoadFromEnumerable(new[] { new GreyRow() });
        ITransformer copy = ml.Transforms.CopyColumns("Copy", "Image").Fit(source);
        var mapper = copy.GetRowToRowMapper(source.Schema);

        var missing = new MLImageColumn.Request("Pixels", "Picture", 1, 2, 3);
        Assert.Contains("'Pixels'", Assert.Throws<ArgumentOutOfRangeException>(() => MLImageColumn.Append(source, missing)).Message);
        Assert.Contains("'Pixels'", Assert.Throws<ArgumentOutOfRangeException>(() => MLImageColumn.Schema(source.Schema, missing)).Message);
        Assert.Contains("'Pixels'", Assert.Throws<ArgumentOutOfRangeException>(() => MLImageColumn.Mapper(mapper, missing)).Message);

        // 3 x 2 x 3 = 18 values asked of a 6-value column; and a text column.
        var tooBig = new MLImageColumn.Request("Image", "Picture", 3, 2, 3);
        Assert.Contains("'Image'", Assert.Throws<ArgumentOutOfRangeException>(() => MLImageColumn.Append(source, tooBig)).Message);
        Assert.Contains("'Copy'", Assert.Throws<ArgumentOutOfRangeException>(() =>
            MLImageColumn.Mapper(mapper, new MLImageColumn.Request("Copy", "Picture", 1, 1, 6))).Message);
        Assert.Contains("'Name'", Assert.Throws<ArgumentOutOfRangeException>(() =>
            MLImageColumn.Append(source, new MLImageColumn.Request("Name", "Picture", 1, 1, 1))).Message);

        // Only 1 or 3 channels can be drawn.
        Assert.Contains("'Image'", Assert.Throws<ArgumentOutOfRangeException>(() =>
            MLImageColumn.Append(source, new MLImageColumn.Request("Image", "Picture", 2, 1, 3))).Message);
    }
}
