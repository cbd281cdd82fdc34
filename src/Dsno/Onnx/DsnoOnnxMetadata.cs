using System.Globalization;
using Google.Protobuf;
using Onnx;

namespace Dsno.Onnx;

/// <summary>
/// What an exported DSNO file says about itself in the ONNX model's metadata (string key/value pairs): the frame times of the
/// <c>trajectory</c> output and the architecture it came from. Readers in any language find them under the keys below.
/// </summary>
/// <param name="FrameTimes">Times of the M frames of the <c>trajectory</c> output; the last one is the image's.</param>
/// <param name="Channels">Image channels C.</param>
/// <param name="Height">Image height H.</param>
/// <param name="Width">Image width W.</param>
/// <param name="Classes">Classes of a class-conditional model (then the graph has a <c>labels</c> input); 0 when unconditional.</param>
/// <param name="Modes">Temporal Fourier modes J of the temporal layers.</param>
/// <param name="Schedule">Name of the teacher's noise schedule.</param>
/// <param name="FrameKind">What the frames hold (<c>Denoised</c> or <c>State</c>).</param>
public sealed record DsnoOnnxMetadata(double[] FrameTimes, int Channels, int Height, int Width, int Classes, int Modes, string Schedule, string FrameKind)
{
    /// <summary>Format version written by this exporter.</summary>
    public const string CurrentFormat = "1";

    /// <summary>Key of the format version (present in every DSNO export).</summary>
    public const string FormatKey = "dsno.format";
    /// <summary>Key of the frame times of the <c>trajectory</c> output: comma-separated, invariant culture, round-trip precision.</summary>
    public const string FrameTimesKey = "dsno.frame_times";
    /// <summary>Key of the times the operator was trained on (the same as the frame times unless the export decodes at query times).</summary>
    public const string TrainedFrameTimesKey = "dsno.trained_frame_times";
    /// <summary>Key of the image shape "C,H,W".</summary>
    public const string ImageShapeKey = "dsno.image_shape";
    /// <summary>Key of the class count.</summary>
    public const string ClassesKey = "dsno.classes";
    /// <summary>Key of the temporal mode count J.</summary>
    public const string ModesKey = "dsno.modes";
    /// <summary>Key of the schedule name.</summary>
    public const string ScheduleKey = "dsno.schedule";
    /// <summary>Key of the frame kind.</summary>
    public const string FrameKindKey = "dsno.frame_kind";
    /// <summary>Key of the guidance scale w a model distilled at one w was trained at (absent when it was not guided).</summary>
    public const string GuidanceScaleKey = "dsno.guidance_scale";
    /// <summary>Key of the range "min,max" of w a w-conditioned model was trained on (present exactly when the graph has a <c>guidance</c> input).</summary>
    public const string GuidanceRangeKey = "dsno.guidance_range";

    /// <summary>The input name of the noise, float32 [N, C, H, W].</summary>
    public const string NoiseInput = "noise";
    /// <summary>The input name of the class labels, int64 [N] (class-conditional models only).</summary>
    public const string LabelsInput = "labels";
    /// <summary>The input name of the per-sample guidance scales w, float32 [N] (w-conditioned models only).</summary>
    public const string GuidanceInput = "guidance";
    /// <summary>The output name of the sample, float32 [N, C, H, W].</summary>
    public const string ImageOutput = "image";
    /// <summary>The output name of the trajectory, float32 [N, M, C, H, W].</summary>
    public const string TrajectoryOutput = "trajectory";

    /// <summary>The times the operator was trained on; null when the file does not say (then they are <see cref="FrameTimes"/>).</summary>
    public double[]? TrainedFrameTimes { get; init; }

    /// <summary>The guidance scale w of a model distilled at one w; null when not guided or not recorded.</summary>
    public double? GuidanceScale { get; init; }

    /// <summary>[min, max] of w for a w-conditioned model (the graph then takes a <c>guidance</c> input); null for any other model.</summary>
    public double[]? GuidanceRange { get; init; }

    /// <summary>The key/value pairs to write.</summary>
    public IEnumerable<KeyValuePair<string, string>> ToProperties()
    {
        yield return new(FormatKey, CurrentFormat);
        yield return new(FrameTimesKey, Join(FrameTimes));
        if (TrainedFrameTimes is not null) yield return new(TrainedFrameTimesKey, Join(TrainedFrameTimes));
        yield return new(ImageShapeKey, string.Create(CultureInfo.InvariantCulture, $"{Channels},{Height},{Width}"));
        yield return new(ClassesKey, Classes.ToString(CultureInfo.InvariantCulture));
        yield return new(ModesKey, Modes.ToString(CultureInfo.InvariantCulture));
        yield return new(ScheduleKey, Schedule);
        yield return new(FrameKindKey, FrameKind);
        if (GuidanceScale is { } w) yield return new(GuidanceScaleKey, w.ToString("R", CultureInfo.InvariantCulture));
        if (GuidanceRange is not null) yield return new(GuidanceRangeKey, Join(GuidanceRange));
    }

    private static double[] Scales(string text, string key, string what) =>
        Numbers(text, key, what, w => double.IsFinite(w) && w >= 0, "a guidance scale (finite, >= 0)");

    private static string Join(double[] times) => string.Join(",", times.Select(t => t.ToString("R", CultureInfo.InvariantCulture)));

    private static double[] Times(string text, string key, string what) => Numbers(text, key, what, t => t >= 0 && t <= 1, "a time in [0, 1]");

    private static double[] Numbers(string text, string key, string what, Func<double, bool> valid, string expected) => text.Split(',').Select(item =>
        double.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && valid(x)
            ? x
            : throw new InvalidDataException($"{what}: metadata '{key}' has '{item}', not {expected}")).ToArray();

    /// <summary>
    /// Reads the metadata of the exported file at <paramref name="path"/> without running it (the protobuf is parsed, nothing native is
    /// loaded). Throws <see cref="FileNotFoundException"/> when it is missing and <see cref="InvalidDataException"/> naming it when it
    /// is not a whole ONNX model (for example truncated) or not a DSNO export.
    /// </summary>
    public static DsnoOnnxMetadata ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model '{path}' not found", path);
        string what = $"ONNX model '{path}'";
        ModelProto model;
        try
        {
            using var file = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(file);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{what} is not a readable ONNX model ({e.Message}); is it truncated?", e);
        }
        if (model.Graph is null || model.Graph.Output.Count == 0)
            throw new InvalidDataException($"{what} has no graph outputs: not a whole ONNX model (truncated?)");
        return Parse(model.MetadataProps.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value), what);
    }

    /// <summary>
    /// Reads the metadata of an export; throws <see cref="InvalidDataException"/> naming <paramref name="what"/> (the file) when a key is
    /// missing or malformed, or when the file is not a DSNO export at all.
    /// </summary>
    public static DsnoOnnxMetadata Parse(IReadOnlyDictionary<string, string> properties, string what)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (!properties.TryGetValue(FormatKey, out var format))
            throw new InvalidDataException($"{what}: not a DSNO export (the ONNX metadata has no '{FormatKey}' entry)");
        if (format != CurrentFormat)
            throw new InvalidDataException($"{what}: DSNO export format '{format}' is not supported (this library reads format {CurrentFormat})");
        string Get(string key) => properties.TryGetValue(key, out var value) ? value : throw new InvalidDataException($"{what}: the ONNX metadata has no '{key}' entry");
        int Integer(string key, string text, int min)
        {
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min)
                throw new InvalidDataException($"{what}: metadata '{key}' = '{text}' is not an integer >= {min}");
            return value;
        }
        var times = Times(Get(FrameTimesKey), FrameTimesKey, what);
        var shape = Get(ImageShapeKey).Split(',');
        if (shape.Length != 3) throw new InvalidDataException($"{what}: metadata '{ImageShapeKey}' = '{Get(ImageShapeKey)}' is not C,H,W");
        return new DsnoOnnxMetadata(times, Integer(ImageShapeKey, shape[0], 1), Integer(ImageShapeKey, shape[1], 1), Integer(ImageShapeKey, shape[2], 1),
            Integer(ClassesKey, Get(ClassesKey), 0), Integer(ModesKey, Get(ModesKey), 1), Get(ScheduleKey), Get(FrameKindKey))
        {
            TrainedFrameTimes = properties.TryGetValue(TrainedFrameTimesKey, out var trained) ? Times(trained, TrainedFrameTimesKey, what) : null,
            GuidanceScale = properties.TryGetValue(GuidanceScaleKey, out var scale) ? Scales(scale, GuidanceScaleKey, what).Single() : null,
            GuidanceRange = properties.TryGetValue(GuidanceRangeKey, out var range) ? Scales(range, GuidanceRangeKey, what) is { Length: 2 } r && r[0] <= r[1] ? r
                : throw new InvalidDataException($"{what}: metadata '{GuidanceRangeKey}' = '{range}' is not min,max") : null,
        };
    }
}
