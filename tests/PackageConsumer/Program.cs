// A new app that uses the Dsno.MLNet NuGet package the way a user would. tests/Dsno.Tests/Packaging/PackAndConsumeTests.cs packs
// the libraries, copies this file into a console project outside the repository that references the packages, builds it and runs it
// twice:
//   fit FOLDER   trains a tiny teacher on the embedded digits, records its trajectories, fits DSNO on them for a few steps,
//                transforms noise, and saves the model and the images into FOLDER;
//   load FOLDER  loads the model in this second process with a new MLContext (before anything else of Dsno.MLNet runs) and checks
//                that it gives the same images, bit for bit.
// Exit code 0 on success, 1 when the reloaded model's images differ, 2 on a usage error.
using Dsno.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length != 2 || args[0] is not ("fit" or "load"))
{
    Console.Error.WriteLine("usage: PackageConsumer fit|load FOLDER");
    return 2;
}
string modelPath = Path.Combine(args[1], "dsno.zip"), imagesPath = Path.Combine(args[1], "images.bin");
// Results repeat exactly for one thread count.
TorchSharp.torch.set_num_threads(1);
// The module initializers that the packages' buildTransitive targets add to this app.
foreach (var name in new[] { "Dsno.Generated.DsnoNativeInit", "Dsno.Generated.DsnoMLNetModelLoaderInit" })
    Console.WriteLine($"{name}: {(typeof(Program).Assembly.GetType(name) is null ? "missing" : "present")}");
var ml = new MLContext(seed: 0);

if (args[0] == "load")
{
    ITransformer loaded = ml.Model.Load(modelPath, out _);
    float[] again = Images(loaded.Transform(Noise(ml)));
    float[] saved = ReadFloats(imagesPath);
    Console.WriteLine($"libtorch: {Dsno.Runtime.LibTorchLoader.Status}");
    bool same = saved.AsSpan().SequenceEqual(again);
    Console.WriteLine(same ? $"load: identical images ({again.Length} values)" : "load: the reloaded model's images differ");
    return same ? 0 : 1;
}

var teacher = ml.Transforms.DiffusionTeacher(new DiffusionTeacherOptions
{
    BaseChannels = 8, ChannelMultipliers = new[] { 1, 2 }, ResBlocksPerLevel = 1, Dropout = 0,
    TrainingSteps = 3, BatchSize = 16, WarmupSteps = 1, Seed = 1, Threads = 1,
    Solver = OdeSolver.Ddim, SolverSteps = 4, Frames = TimeGrid.Quadratic(2),
}).Fit(ml.Data.LoadDigits());
IDataView trajectories = ml.Data.Cache(teacher.Transform(ml.Data.GaussianNoise(rows: 16, channels: 1, height: 8, width: 8, seed: 1)));
DsnoTransformer dsno = ml.Transforms.Dsno(new DsnoOptions
{
    Teacher = teacher, TrainingSteps = 3, BatchSize = 8, WarmupSteps = 1, Seed = 2, Threads = 1,
}).Fit(trajectories);
IDataView noise = Noise(ml);
float[] images = Images(dsno.Transform(noise));
ml.Model.Save(dsno, noise.Schema, modelPath);
using (var writer = new BinaryWriter(File.Create(imagesPath)))
    foreach (var value in images) writer.Write(value);
Console.WriteLine($"libtorch: {Dsno.Runtime.LibTorchLoader.Status}");
Console.WriteLine($"fit: {images.Length} values from {dsno.ForwardPasses} forward pass(es); saved {modelPath}");
return 0;

static IDataView Noise(MLContext ml) => ml.Data.GaussianNoise(rows: 12, channels: 1, height: 8, width: 8, seed: 7);

// Every row's Image column, concatenated.
static float[] Images(IDataView view)
{
    var column = view.Schema["Image"];
    var values = new List<float>();
    using var cursor = view.GetRowCursor(new[] { column });
    var getter = cursor.GetGetter<VBuffer<float>>(column);
    VBuffer<float> row = default;
    while (cursor.MoveNext())
    {
        getter(ref row);
        values.AddRange(row.DenseValues());
    }
    return values.ToArray();
}

static float[] ReadFloats(string path)
{
    var bytes = File.ReadAllBytes(path);
    var values = new float[bytes.Length / sizeof(float)];
    Buffer.BlockCopy(bytes, 0, values, 0, values.Length * sizeof(float));
    return values;
}
