using Microsoft.ML;
using TorchSharp;

namespace Dsno.ModelHost;

/// <summary>
/// Loads a model zip with a new <see cref="MLContext"/> and applies it to a binary IDataView file.
/// Usage: <c>Dsno.ModelHost &lt;model.zip&gt; &lt;input.idv&gt; &lt;output.idv&gt; [--threads N] [--resave &lt;model2.zip&gt;]</c>.
/// Exit codes: 0 success, 1 bad arguments, 2 the model failed to load or run (the exception's type and message go to stderr).
/// With <c>--job ...</c> it runs one of the <see cref="InterruptibleJobs"/> instead, for the kill-and-resume tests, and with
/// <c>--numerics ...</c> one of the <see cref="NumericsJobs"/>.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args is ["--job", .. var job]) return InterruptibleJobs.Run(job);
        if (args is ["--numerics", .. var numerics]) return NumericsJobs.Run(numerics);
        if (args is ["--emulate-faulty-onednn", var programFolder, var target])
        {
            // For manual checks of any built program on an emulated faulty CPU (docs/cpu-numerics.md).
            Dsno.Tests.Numerics.FaultyOneDnnEmulation.Create(programFolder, target);
            Console.WriteLine($"{target}: a copy of {programFolder} whose libtorch reports no cache sizes to oneDNN");
            return 0;
        }

        // Nothing in this app touches Dsno.MLNet before the model load: only the module initializer that Dsno.MLNet.targets
        // adds to the app can have loaded it (and with it the resolver for the in-memory loader assembly).
        bool loadedAtStart = AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "Dsno.MLNet");
        Console.WriteLine($"Dsno.MLNet loaded before Main: {loadedAtStart}");

        var positional = new List<string>();
        int threads = 1;
        string? resave = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--threads" && i + 1 < args.Length && int.TryParse(args[i + 1], out threads)) i++;
            else if (args[i] == "--resave" && i + 1 < args.Length) resave = args[++i];
            else positional.Add(args[i]);
        }
        if (positional.Count != 3 || threads < 1)
        {
            Console.Error.WriteLine("usage: Dsno.ModelHost <model.zip> <input.idv> <output.idv> [--threads N] [--resave <model2.zip>]");
            return 1;
        }

        try
        {
            torch.set_num_threads(threads);
            var ml = new MLContext(seed: 0);
            var model = ml.Model.Load(positional[0], out var inputSchema);
            var input = ml.Data.LoadFromBinary(positional[1]);
            var output = model.Transform(input);
            using (var stream = File.Create(positional[2]))
                ml.Data.SaveAsBinary(output, stream, keepHidden: false);
            if (resave is not null) ml.Model.Save(model, inputSchema, resave);
            Console.WriteLine($"model: {model.GetType().Name}; rows: {output.GetRowCount()}; columns: " +
                              string.Join(", ", output.Schema.Where(c => !c.IsHidden).Select(c => c.Name)));
            return 0;
        }
        catch (Exception e)
        {
            for (var inner = e; inner is not null; inner = inner.InnerException)
                Console.Error.WriteLine($"{inner.GetType().FullName}: {inner.Message}");
            return 2;
        }
    }
}
