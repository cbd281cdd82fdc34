using System.Globalization;
using Dsno.Examples;
using Dsno.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

// DSNO as one step of a larger ML.NET pipeline: noise -> DSNO (one forward pass) -> stock ML.NET transforms -> a digit classifier
// trained on real digits. The whole chain is saved as ONE model zip, loaded back with a new MLContext, and checked to give the same
// output. Writes the model, a few generated digits as PNG straight from the MLImage column, and the classifier's reading of them.
//   dotnet run -c Release --project examples/Pipeline -- [--tiny] [--out DIR] [--threads N]
bool tiny = args.Contains("--tiny");
// One torch thread by default: the same results on any machine, and no oversubscription of a shared one.
int threads = int.Parse(ArgumentAfter(args, "--threads") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
if (threads > 0) TorchSharp.torch.set_num_threads(threads);
string folder = Path.GetFullPath(ArgumentAfter(args, "--out") ?? Path.Combine("out", "pipeline"));
Directory.CreateDirectory(folder);
int teacherSteps = tiny ? 30 : 1000, dsnoSteps = tiny ? 20 : 500, trajectories = tiny ? 64 : 1024, solverSteps = tiny ? 8 : 64, rows = tiny ? 64 : 1000;

var ml = new MLContext(seed: 0);
var digits = ml.Data.LoadDigits();
var split = ml.Data.TrainTestSplit(digits, testFraction: 0.2, seed: 0);

// 1. A teacher and its trajectories (see examples/QuickStart for the same steps with pictures).
var teacherProgress = new ProgressLine(Console.Out, "teacher");
var teacher = ml.Transforms.DiffusionTeacher(new DiffusionTeacherOptions
{
    BaseChannels = tiny ? 16 : 32, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 1, Dropout = tiny ? 0 : 0.1,
    TrainingSteps = teacherSteps, BatchSize = tiny ? 32 : 64, LearningRate = 1e-3, WarmupSteps = tiny ? 3 : 100, EmaDecay = tiny ? 0.9 : 0.999,
    Solver = OdeSolver.Ddim, SolverSteps = solverSteps, Progress = teacherProgress,
}).Fit(digits);
teacherProgress.Finish();
var solved = ml.Data.Cache(teacher.Transform(ml.Data.GaussianNoise(trajectories, 1, 8, 8, seed: 1)), "Noise", "Trajectory");
var solving = new ProgressLine(Console.Out, "trajectories");
using (new ProgressPoll(solving, () => teacher.ForwardPasses, (trajectories + 63) / 64 * solverSteps))
    ImageColumns.Read(solved, "Trajectory"); // fills the cache: the teacher solves each batch once
solving.Finish();

// 2. The generating pipeline, fitted with one Fit call: DSNO (Noise -> Trajectory, Image, MLImage), then stock transforms that
//    rename its image for the classifier and drop the trajectory.
var dsnoProgress = new ProgressLine(Console.Out, "dsno");
var generatorPipeline = ml.Transforms.Dsno(new DsnoOptions
    {
        Teacher = teacher, TrainingSteps = dsnoSteps, BatchSize = tiny ? 16 : 32, LearningRate = 5e-4, WarmupSteps = tiny ? 2 : 80,
        EmaDecay = tiny ? 0.9 : 0.995, OutputMLImage = true, Progress = dsnoProgress,
    })
    .Append(ml.Transforms.CopyColumns("Features", "Image"))
    .Append(ml.Transforms.DropColumns("Trajectory"));
var generator = generatorPipeline.Fit(solved);
dsnoProgress.Finish();

// 3. A digit classifier trained on real digits (the Image column renamed to Features, as the generator does).
var classifierPipeline = ml.Transforms.CopyColumns("Features", "Image")
    .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(labelColumnName: "Label", featureColumnName: "Features"));
var classifier = classifierPipeline.Fit(split.TrainSet);
double accuracy = ml.MulticlassClassification.Evaluate(classifier.Transform(split.TestSet)).MicroAccuracy;
// The generator already makes Features: keep only the classifier's trained part (the last transformer of its chain).
ITransformer model = generator.Append(classifier.LastTransformer);

// 4. Save the whole chain as one model, load it with a fresh MLContext and compare every output column.
var noise = ml.Data.GaussianNoise(rows, 1, 8, 8, seed: 2024);
string modelPath = Path.Combine(folder, "noise-to-digit.zip");
ml.Model.Save(model, noise.Schema, modelPath);
var fresh = new MLContext(seed: 1);
var loaded = fresh.Model.Load(modelPath, out var inputSchema);
var before = model.Transform(noise);
var after = loaded.Transform(fresh.Data.GaussianNoise(rows, 1, 8, 8, seed: 2024));
bool same = Same(before, after, "Image") && Same(before, after, "Score") && Keys(before).SequenceEqual(Keys(after));

// 5. Use the reloaded model: which digits does DSNO draw, and the first few as PNG straight from the MLImage column.
var histogram = Keys(after).GroupBy(k => k - 1).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}");
var mlImages = after.GetColumn<MLImage>("MLImage").Take(8).ToList();
for (int i = 0; i < mlImages.Count; i++)
{
    mlImages[i].Save(Path.Combine(folder, $"generated-{i}.png"));
    mlImages[i].Dispose();
}

Console.WriteLine();
Console.WriteLine($"pipeline: {string.Join(" -> ", ((IEnumerable<ITransformer>)loaded).Select(t => t.GetType().Name.Split('`')[0]))}");
Console.WriteLine($"input columns of the saved model: {string.Join(", ", inputSchema.Select(c => $"{c.Name} {c.Type}"))}");
Console.WriteLine($"reloaded model gives the same Image, Score and PredictedLabel for {rows} rows: {(same ? "yes" : "NO")}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"classifier accuracy on held-out real digits: {accuracy:P1}"));
Console.WriteLine($"digits DSNO drew for {rows} noises, as the classifier reads them: {string.Join("  ", histogram)}");
Console.WriteLine($"wrote {modelPath} and {mlImages.Count} PNGs from the MLImage column in {folder}");
return same ? 0 : 3;

static bool Same(IDataView a, IDataView b, string column)
{
    var x = ImageColumns.Read(a, column);
    var y = ImageColumns.Read(b, column);
    return x.Length == y.Length && x.Zip(y).All(p => p.First.AsSpan().SequenceEqual(p.Second));
}

static uint[] Keys(IDataView view) => view.GetColumn<uint>("PredictedLabel").ToArray();

static string? ArgumentAfter(string[] args, string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
