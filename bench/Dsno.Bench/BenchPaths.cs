namespace Dsno.Bench;

/// <summary>The files of one data set's run under <c>&lt;out&gt;/&lt;dataset&gt;/</c>.</summary>
public sealed class BenchPaths
{
    /// <summary>Paths under <paramref name="outRoot"/>/<paramref name="dataset"/>.</summary>
    public BenchPaths(string outRoot, string dataset)
    {
        OutRoot = outRoot;
        Root = Path.Combine(outRoot, dataset);
        foreach (var folder in new[] { Root, TeacherFolder, TrajectoryFolder, StudentFolder, ResultFolder, ClassifierFolder })
            Directory.CreateDirectory(folder);
    }

    /// <summary>The --out folder.</summary>
    public string OutRoot { get; }
    /// <summary>This data set's folder.</summary>
    public string Root { get; }
    /// <summary>Teacher files.</summary>
    public string TeacherFolder => Path.Combine(Root, "teacher");
    /// <summary>Trained teacher.</summary>
    public string TeacherModel => Path.Combine(TeacherFolder, "teacher.bin");
    /// <summary>Teacher training checkpoint.</summary>
    public string TeacherCheckpoint => Path.Combine(TeacherFolder, "teacher.ckpt");
    /// <summary>Teacher loss per step.</summary>
    public string TeacherLoss => Path.Combine(TeacherFolder, "loss.csv");
    /// <summary>Teacher training summary.</summary>
    public string TeacherInfo => Path.Combine(TeacherFolder, "teacher.json");
    /// <summary>Trajectory shards.</summary>
    public string TrajectoryFolder => Path.Combine(Root, "trajectories");
    /// <summary>Trajectory generation summary.</summary>
    public string TrajectoryInfo => Path.Combine(Root, "trajectories.json");
    /// <summary>Generation summary of the first <paramref name="count"/> records: <see cref="TrajectoryInfo"/> for the main set of <paramref name="mainCount"/>.</summary>
    public string TrajectoryInfoOf(int count, int mainCount) =>
        count == mainCount ? TrajectoryInfo : Path.Combine(Root, $"trajectories-{count}.json");
    /// <summary>Student files.</summary>
    public string StudentFolder => Path.Combine(Root, "students");
    /// <summary>A student's final model.</summary>
    public string StudentModel(string id) => Path.Combine(StudentFolder, id + ".bin");
    /// <summary>The claim file of a student run being trained by some process (<see cref="RunClaim"/>).</summary>
    public string StudentClaim(string id) => Path.Combine(StudentFolder, id + ".claim");
    /// <summary>A student's checkpoint.</summary>
    public string StudentCheckpoint(string id) => Path.Combine(StudentFolder, id + ".ckpt");
    /// <summary>A student's loss per step.</summary>
    public string StudentLoss(string id) => Path.Combine(StudentFolder, id + ".loss.csv");
    /// <summary>A student's training summary.</summary>
    public string StudentInfo(string id) => Path.Combine(StudentFolder, id + ".json");
    /// <summary>Evaluation results.</summary>
    public string ResultFolder => Path.Combine(Root, "results");
    /// <summary>One method's quality results.</summary>
    public string MethodResult(string id) => Path.Combine(ResultFolder, "method-" + id + ".json");
    /// <summary>The held-out noises.</summary>
    public string EvalNoise => Path.Combine(ResultFolder, "eval-noise.tensor");
    /// <summary>The reference solver's frames on the held-out noises.</summary>
    public string ReferenceFrames => Path.Combine(ResultFolder, "reference-frames.tensor");
    /// <summary>Summary of the reference solve.</summary>
    public string ReferenceInfo => Path.Combine(ResultFolder, "reference.json");
    /// <summary>A method's first images (for the sample figure).</summary>
    public string MethodSamples(string id) => Path.Combine(ResultFolder, "samples-" + id + ".tensor");
    /// <summary>Data and classifier summary.</summary>
    public string DataInfo => Path.Combine(ResultFolder, "data.json");
    /// <summary>Speed measurements (one process).</summary>
    public string Speed => Path.Combine(ResultFolder, "speed.json");
    /// <summary>Temporal power spectrum.</summary>
    public string Spectrum => Path.Combine(ResultFolder, "spectrum.json");
    /// <summary>The solvers on every step list.</summary>
    public string StepLists => Path.Combine(ResultFolder, "step-lists.json");
    /// <summary>Continuous-time decoding errors.</summary>
    public string Decoding => Path.Combine(ResultFolder, "decoding.json");
    /// <summary>Cached feature classifiers.</summary>
    public string ClassifierFolder => Path.Combine(Root, "classifier");
}
