using System.Globalization;
using Dsno.Examples;
using Dsno.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

// Class-conditional DSNO on the embedded digits with classifier-free guidance: the teacher learns the digits and, by label dropout,
// a null class; its trajectories are solved at guidance scales w drawn from [0, 3] (a Guidance column); DSNO learns them with w as
// an input, so one forward pass makes a chosen digit at a chosen w. Writes class-grid-w0.png, class-grid-w1.png and
// class-grid-w3.png (one row per digit, DSNO at w = 0, 1, 3) and checks the digits with a classifier trained on real images.
//   dotnet run -c Release --project examples/ClassConditional -- [--tiny] [--out DIR] [--threads N]
bool tiny = args.Contains("--tiny");
// One torch thread by default: the same results on any machine, and no oversubscription of a shared one.
int threads = int.Parse(ArgumentAfter(args, "--threads") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
if (threads > 0) TorchSharp.torch.set_num_threads(threads);
string folder = Path.GetFullPath(ArgumentAfter(args, "--out") ?? Path.Combine("out", "class-conditional"));
Directory.CreateDirectory(folder);
int teacherSteps = tiny ? 30 : 1500, dsnoSteps = tiny ? 20 : 800, trajectories = tiny ? 64 : 2048, solverSteps = tiny ? 8 : 64;
const int Classes = 10, PerClass = 10;

var ml = new MLContext(seed: 0);
var digits = ml.Data.LoadDigits(); // Image [1, 8, 8] in [-1, 1]; Label: a key of 10 values (digit d has key d + 1)
var split = ml.Data.TrainTestSplit(digits, testFraction: 0.2, seed: 0);

// 1. A teacher conditioned on Label.
var teacherProgress = new ProgressLine(Console.Out, "teacher");
var teacher = ml.Transforms.DiffusionTeacher(new DiffusionTeacherOptions
{
    LabelColumnName = "Label", LabelDropout = 0.1, BaseChannels = tiny ? 16 : 32, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 1, Dropout = tiny ? 0 : 0.1,
    TrainingSteps = teacherSteps, BatchSize = tiny ? 32 : 64, LearningRate = 1e-3, WarmupSteps = tiny ? 3 : 100, EmaDecay = tiny ? 0.9 : 0.999,
    Solver = OdeSolver.Ddim, SolverSteps = solverSteps, Frames = TimeGrid.Quadratic(4), Progress = teacherProgress,
}).Fit(digits);
teacherProgress.Finish($"{teacher.ClassCount} classes");

// 2. Trajectories: noise with a uniform random Label column and a Guidance column uniform in [0, 3], each row solved by the teacher
//    for its label at its guidance scale (two model evaluations per guided step).
var noise = ml.Data.GaussianNoise(trajectories, 1, 8, 8, seed: 1, classes: Classes, minGuidance: 0f, maxGuidance: 3f);
var trajectoryProgress = new ProgressLine(Console.Out, "trajectories");
var solved = ml.Data.Cache(teacher.Transform(noise), "Noise", "Label", "Guidance", "Trajectory");
int rows;
using (new ProgressPoll(trajectoryProgress, () => teacher.ForwardPasses, 2 * ((trajectories + 63) / 64) * solverSteps))
    rows = ImageColumns.Read(solved, "Trajectory").Length; // fills the cache: the teacher solves each batch once
trajectoryProgress.Finish($"{rows:N0} labelled trajectories at w in [0, 3], guided DDIM {solverSteps} steps");

// 3. DSNO with the same Label column; the Guidance column makes it take w as an input.
var dsnoProgress = new ProgressLine(Console.Out, "dsno");
var dsno = ml.Transforms.Dsno(new DsnoOptions
{
    Teacher = teacher, LabelColumnName = "Label", TrainingSteps = dsnoSteps, BatchSize = tiny ? 16 : 32, LearningRate = 5e-4,
    WarmupSteps = tiny ? 2 : 80, EmaDecay = tiny ? 0.9 : 0.995, Progress = dsnoProgress,
}).Fit(solved);
dsnoProgress.Finish($"w-conditioned on [{dsno.GuidanceRange!.Value.Min:0.00}, {dsno.GuidanceRange.Value.Max:0.00}]");

// 4. For w = 0, 1 and 3, one row per digit: WithGuidance picks w, Generate takes the label (0-based digit); the same noise in every grid.
// 5. Do the rows show the asked-for digit? A linear classifier trained on real digits reads them back.
var classifier = ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(labelColumnName: "Label", featureColumnName: "Image").Fit(split.TrainSet);
double realAccuracy = ml.MulticlassClassification.Evaluate(classifier.Transform(split.TestSet)).MicroAccuracy;
Console.WriteLine();
foreach (double w in new[] { 0.0, 1.0, 3.0 })
{
    var guided = dsno.WithGuidance(w);
    var images = new List<float[]>();
    for (int digit = 0; digit < Classes; digit++) images.AddRange(guided.Generate(PerClass, seed: 100 + digit, label: digit));
    string grid = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"class-grid-w{w:0}.png"));
    DsnoImages.SaveGrid(images, 1, 8, 8, grid, columns: PerClass, scale: 6);
    var generated = ml.Data.LoadFromEnumerable(
        images.Select((image, i) => new GeneratedDigit { Image = image, Label = (uint)(i / PerClass) }),
        GeneratedDigit.Schema());
    double generatedAccuracy = ml.MulticlassClassification.Evaluate(classifier.Transform(generated)).MicroAccuracy;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"w = {w:0}: wrote {grid} (row d: DSNO asked for digit d, one forward pass per row); the classifier reads {generatedAccuracy:P1} as the digit asked for"));
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(the linear classifier is trained on real digits: {realAccuracy:P1} on held-out real digits)"));
return 0;

static string? ArgumentAfter(string[] args, string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>A generated image with the digit it was asked for, stored as LoadDigits stores labels (the 0-based index of a key of 10).</summary>
internal sealed class GeneratedDigit
{
    public float[] Image = Array.Empty<float>();
    public uint Label;

    public static SchemaDefinition Schema()
    {
        var schema = SchemaDefinition.Create(typeof(GeneratedDigit));
        schema[nameof(Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, 8, 8);
        schema[nameof(Label)].ColumnType = new KeyDataViewType(typeof(uint), 10);
        return schema;
    }
}
