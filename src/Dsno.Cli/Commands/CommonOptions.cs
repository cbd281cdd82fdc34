using Dsno.Diffusion;
using TorchSharp;

namespace Dsno.Cli.Commands;

/// <summary>Options and small steps several verbs share.</summary>
internal static class CommonOptions
{
    public static Option<int> Seed(string description = "Seed: the same seed and thread count give bit-identical results.") =>
        CliOptions.Int("--seed", 0, description, min: 0);

    public static Option<int> Threads() =>
        CliOptions.Int("--threads", 0, "Torch threads (0: all cores). Results repeat bit for bit only at a fixed thread count.", min: 0);

    public static Option<string?> Solver() =>
        CliOptions.Choice("--solver", "ODE solver of a teacher", Samplers.Names.ToArray());

    /// <summary><c>--checkpoint</c> and <c>--checkpoint-every</c> of a training verb (see <c>CheckpointedTraining</c>).</summary>
    public static (Option<string?> Path, Option<int> Every) Checkpointing() => (
        CliOptions.OptionalPath("--checkpoint", "Checkpoint file (default: <out>.checkpoint, removed after success). Rerunning resumes from it."),
        CliOptions.Int("--checkpoint-every", 100, "Steps between checkpoints (0: only when interrupted), so that a killed run loses little.", min: 0));

    public static Option<int?> SolverSteps() => CliOptions.OptionalInt("--solver-steps", "Solver steps of a teacher.");

    public static Option<string> Device() => new("--device")
    {
        Description = "Torch device: cpu (default) or cuda (with the CUDA build of libtorch).",
        DefaultValueFactory = _ => "cpu",
        CustomParser = r =>
        {
            string token = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (token != "cpu" && !token.StartsWith("cuda", StringComparison.Ordinal)) r.AddError("--device must be cpu, cuda or cuda:N");
            return token;
        },
    };

    /// <summary>
    /// <c>--guidance W</c>: a classifier-free guidance scale, a finite number &gt;= 0 (anything else is a usage error, exit code 1);
    /// absent = null.
    /// </summary>
    public static Option<double?> Guidance(string description) => CliOptions.OptionalNumber("--guidance", description,
        w => double.IsFinite(w) && w >= 0, token => $"--guidance must be a finite number >= 0 (0 = no guidance), got '{token}'");

    /// <summary>
    /// <c>--guidance-range MIN,MAX</c>: a range of classifier-free guidance scales, two finite numbers with 0 &lt;= MIN &lt; MAX (anything
    /// else is a usage error, exit code 1); absent = null.
    /// </summary>
    public static Option<(float Min, float Max)?> GuidanceRange(string description) => new("--guidance-range")
    {
        Description = description,
        CustomParser = r =>
        {
            string token = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            var parts = token.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !TryScale(parts[0], out float min) || !TryScale(parts[1], out float max))
            {
                r.AddError($"--guidance-range must be MIN,MAX: two finite numbers >= 0, e.g. 0,4; got '{token}'");
                return null;
            }
            if (!(min < max))
            {
                r.AddError($"--guidance-range {token}: MIN must be below MAX (for one w, use --guidance)");
                return null;
            }
            return (min, max);
        },
    };

    private static bool TryScale(string text, out float w) =>
        float.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out w) && float.IsFinite(w) && w >= 0;

    /// <summary>A guidance range for people and messages: "[0, 4]".</summary>
    public static string Format((double Min, double Max) range) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"[{range.Min:G6}, {range.Max:G6}]");

    /// <summary>Pins torch's intra-op threads when asked (0 leaves the default).</summary>
    public static void ApplyThreads(int threads)
    {
        if (threads > 0) torch.set_num_threads(threads);
    }

    /// <summary>An absent list option reads as an empty array: null instead.</summary>
    public static T[]? NonEmpty<T>(T[]? values) => values is { Length: > 0 } ? values : null;

    /// <summary>The solver enum of a <c>--solver</c> value, or null.</summary>
    public static OdeSolver? ParseSolver(string? name) => name is null ? null : OdeSolverNames.FromCoreName(name);
}
