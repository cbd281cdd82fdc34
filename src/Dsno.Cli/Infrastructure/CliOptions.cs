using System.CommandLine.Parsing;

namespace Dsno.Cli.Infrastructure;

/// <summary>
/// Option factories with strict parsing and one-line messages ("--steps must be a positive integer"), so that a bad value is a usage
/// error (exit code 1) found before any work starts.
/// </summary>
public static class CliOptions
{
    /// <summary>An integer option of at least <paramref name="min"/>, with a default.</summary>
    public static Option<int> Int(string name, int defaultValue, string description, int min = 1) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r => (int?)ParseInteger(r, name, min, int.MaxValue) ?? defaultValue,
    };

    /// <summary>An optional integer option of at least <paramref name="min"/> (null when absent).</summary>
    public static Option<int?> OptionalInt(string name, string description, int min = 1) => new(name)
    {
        Description = description,
        CustomParser = r => (int?)ParseInteger(r, name, min, int.MaxValue),
    };

    /// <summary>An optional 64-bit integer option of at least <paramref name="min"/>.</summary>
    public static Option<long> Long(string name, long defaultValue, string description, long min = 0) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r => ParseInteger(r, name, min, long.MaxValue) ?? defaultValue,
    };

    /// <summary>A positive finite number option, with a default.</summary>
    public static Option<double> PositiveNumber(string name, double defaultValue, string description) =>
        Number(name, defaultValue, description, v => v > 0 && double.IsFinite(v), _ => $"{name} must be a positive number");

    /// <summary>A number option with a default; a value that fails <paramref name="valid"/> reports <paramref name="error"/> of its text.</summary>
    public static Option<double> Number(string name, double defaultValue, string description, Func<double, bool> valid, Func<string?, string> error) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r => ParseNumber(r, valid, error) ?? defaultValue,
    };

    /// <summary>An optional number option (null when absent); a value that fails <paramref name="valid"/> reports <paramref name="error"/> of its text.</summary>
    public static Option<double?> OptionalNumber(string name, string description, Func<double, bool> valid, Func<string?, string> error) => new(name)
    {
        Description = description,
        CustomParser = r => ParseNumber(r, valid, error),
    };

    /// <summary>A comma-separated list of positive integers ("1,2,2").</summary>
    public static Option<int[]> IntList(string name, int[] defaultValue, string description) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r => ParseList(r, $"{name} must be comma-separated positive integers, e.g. 1,2,2",
            (string p, out int v) => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out v) && v >= 1) ?? defaultValue,
    };

    /// <summary>
    /// A comma-separated list of numbers ("0.5625,0.25,0.0625,0"); only the syntax is checked here, the range by the command (a time
    /// outside what the model accepts is bad input, exit code 2).
    /// </summary>
    public static Option<float[]?> FloatList(string name, string description) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => null,
        CustomParser = r => r.Tokens.Count == 0 ? null : ParseList(r, $"{name} must be comma-separated numbers, e.g. 0.5625,0.25,0.0625,0",
            (string p, out float v) => float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out v)),
    };

    /// <summary>An image size "HxW" (e.g. 32x32).</summary>
    public static Option<(int Height, int Width)?> Size(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r =>
        {
            string? token = Single(r);
            var parts = token?.ToLowerInvariant().Split('x');
            if (parts is not { Length: 2 } || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int h)
                || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int w) || h < 1 || w < 1 || h > 4096 || w > 4096)
            {
                r.AddError($"{name} must be HEIGHTxWIDTH with positive integers, e.g. 32x32");
                return null;
            }
            return (h, w);
        },
    };

    /// <summary>A string option whose value must be one of <paramref name="choices"/> (case-insensitive).</summary>
    public static Option<string?> Choice(string name, string description, params string[] choices) => new(name)
    {
        Description = description + " (" + string.Join(", ", choices) + ")",
        CustomParser = r =>
        {
            string? token = Single(r);
            var match = choices.FirstOrDefault(c => string.Equals(c, token, StringComparison.OrdinalIgnoreCase));
            if (match is null) r.AddError($"{name} must be one of {string.Join(", ", choices)}");
            return match;
        },
    };

    /// <summary>A required path (or word) option.</summary>
    public static Option<string> RequiredPath(string name, string description) => new(name)
    {
        Description = description,
        Required = true,
        CustomParser = r => NonBlank(r, name) ?? "",
    };

    /// <summary>An optional path option.</summary>
    public static Option<string?> OptionalPath(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r => NonBlank(r, name),
    };

    /// <summary>A flag.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    private static long? ParseInteger(ArgumentResult r, string name, long min, long max)
    {
        string? token = Single(r);
        if (long.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) && v >= min && v <= max) return v;
        r.AddError(min switch
        {
            1 => $"{name} must be a positive integer",
            0 => $"{name} must be a non-negative integer",
            _ => $"{name} must be an integer of at least {min}",
        });
        return null;
    }

    private static double? ParseNumber(ArgumentResult r, Func<double, bool> valid, Func<string?, string> error)
    {
        string? token = Single(r);
        if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && valid(v)) return v;
        r.AddError(error(token));
        return null;
    }

    private delegate bool TryParse<T>(string text, out T value);

    /// <summary>The comma-separated values of the option, or null (with <paramref name="error"/> reported) when one is malformed or none is given.</summary>
    private static T[]? ParseList<T>(ArgumentResult r, string error, TryParse<T> parse)
    {
        var parts = Single(r)?.Split(',', StringSplitOptions.TrimEntries) ?? Array.Empty<string>();
        var values = new T[parts.Length];
        bool ok = parts.Length > 0;
        for (int i = 0; ok && i < parts.Length; i++) ok = parse(parts[i], out values[i]);
        if (!ok) r.AddError(error);
        return ok ? values : null;
    }

    /// <summary>The option's value, or null (with "needs a value" reported) when it is missing or blank.</summary>
    private static string? NonBlank(ArgumentResult r, string name)
    {
        string? token = Single(r);
        if (!string.IsNullOrWhiteSpace(token)) return token;
        r.AddError($"{name} needs a value");
        return null;
    }

    private static string? Single(ArgumentResult r) => r.Tokens.Count == 1 ? r.Tokens[0].Value : null;
}
