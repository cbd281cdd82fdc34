using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dsno.Bench;

/// <summary>Reads and writes the stage result files (indented JSON, written atomically so an interrupted run leaves no half file).</summary>
public static class JsonFiles
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> through a temporary file.</summary>
    public static void Write<T>(string path, T value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(value, Options));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a file written by <see cref="Write{T}"/>, or null when it does not exist.</summary>
    public static T? Read<T>(string path) where T : class
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options)
                ?? throw new InvalidDataException($"{path} holds null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid result file ({e.Message}); delete it to redo its stage", e);
        }
    }
}
