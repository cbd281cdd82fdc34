using Dsno.Runtime;

namespace Dsno.Cli.Infrastructure;

/// <summary>Loads and saves the ML.NET model zips the verbs exchange, turning every failure into a one-line message that names the file.</summary>
public static class ModelFiles
{
    private const string WhatToGive = "give a .zip written by 'dsno teacher' or 'dsno fit'";

    /// <summary>Loads any ML.NET model; bad input when the file is missing or not a readable model.</summary>
    public static ITransformer Load(MLContext ml, string option, string path)
    {
        ArgumentNullException.ThrowIfNull(ml);
        if (Directory.Exists(path)) throw new BadInputException($"{option} '{path}' is a folder; {WhatToGive}");
        if (!File.Exists(path)) throw new BadInputException($"{option} '{path}' not found; {WhatToGive}");
        try { return ml.Model.Load(path, out _); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new BadInputException($"{option} '{path}' is not a readable model ({Shorten(ErrorMapper.OneLine(e.Message))}); {WhatToGive}", e);
        }
    }

    /// <summary>Loads a diffusion teacher (alone or the last teacher of a chain).</summary>
    public static DiffusionTeacherTransformer LoadTeacher(MLContext ml, string option, string path) =>
        LoadKind<DiffusionTeacherTransformer, DsnoTransformer>(ml, option, path, "holds a DSNO model, not a diffusion teacher; give the teacher .zip written by 'dsno teacher'",
            "not a diffusion teacher", "give the teacher .zip written by 'dsno teacher'");

    /// <summary>Loads a DSNO operator (alone or the last one of a chain); a teacher or another model is bad input naming the file.</summary>
    public static DsnoTransformer LoadDsno(MLContext ml, string option, string path) =>
        LoadKind<DsnoTransformer, DiffusionTeacherTransformer>(ml, option, path, "holds a diffusion teacher, not a fitted DSNO model; fit one with 'dsno fit' and give its .zip",
            "not a DSNO model", "give the .zip written by 'dsno fit'");

    // The last T of the model; bad input saying what the file holds instead (the other kind, or another model).
    private static T LoadKind<T, TOther>(MLContext ml, string option, string path, string holdsOther, string notKind, string whatToGive)
        where T : class, ITransformer where TOther : class, ITransformer
    {
        var model = Load(ml, option, path);
        if (Find<T>(model) is { } found) return found;
        if (Find<TOther>(model) is not null) throw new BadInputException($"{option} '{path}' {holdsOther}");
        throw new BadInputException($"{option} '{path}' is an ML.NET model but {notKind} ({Describe(model)}); {whatToGive}");
    }

    /// <summary>Loads a DSNO operator or a teacher (a chain's last DSNO operator wins over its teacher).</summary>
    public static GenerativeModel LoadGenerator(MLContext ml, string option, string path)
    {
        var model = Load(ml, option, path);
        if (Find<DsnoTransformer>(model) is { } dsno) return GenerativeModel.Of(path, dsno);
        if (Find<DiffusionTeacherTransformer>(model) is { } teacher) return GenerativeModel.Of(path, teacher);
        throw new BadInputException($"{option} '{path}' is an ML.NET model but not a DSNO or teacher model ({Describe(model)}); {WhatToGive}");
    }

    /// <summary>Saves <paramref name="model"/> with its input schema, atomically (temporary file, then rename).</summary>
    public static void Save(MLContext ml, ITransformer model, DataViewSchema inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(ml);
        AtomicFile.DeleteLeftovers(path); // of a run killed while saving
        AtomicFile.Write(path, stream => ml.Model.Save(model, inputSchema, stream));
    }

    private static T? Find<T>(ITransformer model) where T : class, ITransformer => model switch
    {
        T match => match,
        IEnumerable<ITransformer> chain => chain.Reverse().Select(Find<T>).FirstOrDefault(m => m is not null),
        _ => null,
    };

    private static string Describe(ITransformer model) => model is IEnumerable<ITransformer> chain
        ? "a chain of " + string.Join(", ", chain.Select(t => t.GetType().Name))
        : model.GetType().Name;

    private static string Shorten(string message) => message.Length <= 200 ? message : message[..200] + "...";
}
