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
        CustomParser = r => ParseInt(r, name, min) ?? defaultValue,
    };

    /// <summary>A required integer option of at least <paramref name="min"/>.</summary>
    public static Option<int> RequiredInt(string name, string description, int min = 1) => new(name)
    {
        Description = description,
        Required = true,
        CustomParser = r => ParseInt(r, name, min) ?? 0,
    };

    /// <summary>An optional integer option of at least <paramref name="min"/> (null when absent).</summary>
    public static Option<int?> OptionalInt(string name, string description, int min = 1) => new(name)
    {
        Description = description,
        CustomParser = r => ParseInt(r, name, min),
    };

    /// <summary>An optional 64-bit integer option of at least <paramref name="min"/>.</summary>
    public static Option<long> Long(string name, long defaultValue, string description, long min = 0) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            string? token = Single(r);
            if (token is null || !long.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) || v < min)
            {
                r.AddError(min == 0 ? $"{name} must be a non-negative integer" : $"{name} must be an integer of at least {min}");
                return defaultValue;
            }
            return v;
        },
    };

    /// <summary>A positive finite number option, with a default.</summary>
    public static Option<double> PositiveNumber(string name, double defaultValue, string description) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            string? token = Single(r);
            if (token is null || !double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v > 0) || !double.IsFinite(v))
            {
                r.AddError($"{name} must be a positive number");
                return defaultValue;
            }
            return v;
        },
    };

    /// <summary>A comma-separated list of positive integers ("1,2,2").</summary>
    public static Option<int[]> IntList(string name, int[] defaultValue, string description) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            string? token = Single(r);
            var parts = token?.Split(',', StringSplitOptions.TrimEntries);
            var values = new List<int>();
            foreach (var p in parts ?? Array.Empty<string>())
            {
                if (!int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < 1)
                {
                    r.AddError($"{name} must be comma-separated positive integers, e.g. 1,2,2");
                    return defaultValue;
                }
                values.Add(v);
            }
            if (values.Count == 0) { r.AddError($"{name} must be comma-separated positive integers, e.g. 1,2,2"); return defaultValue; }
            return values.ToArray();
        },
    };

    /// <summary>
    /// A comma-separated list of numbers ("0.5625,0.25,0.0625,0"); only the syntax is checked here, the range by the command (a time
    /// outside what the model accepts is bad input, exit code 2).
    /// </summary>
    public static Option<float[]?> FloatList(string name, string description) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => null,
        CustomParser = r =>
        {
            if (r.Tokens.Count == 0) return null;
            string? token = Single(r);
            var values = new List<float>();
            foreach (var p in token?.Split(',', StringSplitOptions.TrimEntries) ?? Array.Empty<string>())
            {
                if (!float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out float v))
                {
                    r.AddError($"{name} must be comma-separated numbers, e.g. 0.5625,0.25,0.0625,0");
                    return null;
                }
                values.Add(v);
            }
            if (values.Count == 0) { r.AddError($"{name} must be comma-separated numbers, e.g. 0.5625,0.25,0.0625,0"); return null; }
            return values.ToArray();
        },
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
        CustomParser = r =>
        {
            string? token = Single(r);
            if (string.IsNullOrWhiteSpace(token)) { r.AddError($"{name} needs a value"); return ""; }
            return token;
        },
    };

    /// <summary>An optional path option.</summary>
    public static Option<string?> OptionalPath(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r =>
        {
            string? token = Single(r);
            if (string.IsNullOrWhiteSpace(token)) { r.AddError($"{name} needs a value"); return null; }
            return token;
        },
    };

    /// <summary>A flag.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    private static int? ParseInt(ArgumentResult r, string name, int min)
    {
        string? token = Single(r);
        if (token is null || !int.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min)
        {
            r.AddError(min switch
            {
                1 => $"{name} must be a positive integer",
                0 => $"{name} must be a non-negative integer",
                _ => $"{name} must be an integer of at least {min}",
            });
            return null;
        }
        return v;
    }

    private static string? Single(ArgumentResult r) => r.Tokens.Count == 1 ? r.Tokens[0].Value : null;
}
