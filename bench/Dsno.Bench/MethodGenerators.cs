using Dsno.Runtime;
using Dsno.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Bench;

/// <summary>
/// Turns held-out noise into images for every method: the teacher's solvers, and the trained students loaded from disk. Counts the
/// network evaluations of each call. Final images are clamped to [-1, 1] for every method (a no-op for the teacher, whose solvers
/// clip the denoised estimate; the students' raw outputs may overshoot slightly).
/// </summary>
public sealed class MethodGenerators : IDisposable
{
    private readonly DiffusionTeacher _teacher;
    private readonly Dictionary<string, DsnoModel> _dsno = new();
    private readonly Dictionary<string, OneStepDistillation> _distilled = new();

    /// <summary>Loads every student that has a final model file.</summary>
    public MethodGenerators(DiffusionTeacher teacher, BenchPaths paths)
    {
        _teacher = teacher;
        foreach (var spec in StudentSpec.Trained)
        {
            string path = paths.StudentModel(spec.Id);
            if (!File.Exists(path)) continue;
            using var stream = File.OpenRead(path);
            if (spec.IsDsno) _dsno[spec.Id] = DsnoModel.Load(stream, what: path);
            else _distilled[spec.Id] = OneStepDistillation.Load(stream, what: path);
        }
    }

    /// <summary>The teacher.</summary>
    public DiffusionTeacher Teacher => _teacher;

    /// <summary>A loaded DSNO student, or null.</summary>
    public DsnoModel? Dsno(string id) => _dsno.GetValueOrDefault(id);

    /// <summary>True when the method can run (its student exists).</summary>
    public bool Available(MethodSpec method) =>
        method.StudentId is null || _dsno.ContainsKey(method.StudentId) || _distilled.ContainsKey(method.StudentId);

    /// <summary>Parameters of the method's network.</summary>
    public long Parameters(MethodSpec method) => Generator(method).ParameterCount;

    /// <summary>The model behind a method: the teacher with the method's solver (frame times inserted for the reference), or a student.</summary>
    private IImageGenerator Generator(MethodSpec method) =>
        method.StudentId is null ? _teacher.WithSolver(method.Solver!, method.Steps, method.IsReference ? TrajectoryStage.UnionTimes() : null)
        : _dsno.TryGetValue(method.StudentId, out var d) ? d
        : _distilled[method.StudentId];

    /// <summary>Images [B, C, H, W] in [-1, 1] for a batch of noise, and the network evaluations made.</summary>
    public (Tensor Images, int Evaluations) Generate(MethodSpec method, Tensor noise)
    {
        using var scope = torch.NewDisposeScope();
        var generator = Generator(method);
        long before = generator.Evaluations;
        var images = generator.GenerateImages(noise);
        int evaluations = (int)(generator.Evaluations - before);
        return (images.ClampTo(-1, 1).MoveToOuterDisposeScope(), evaluations);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var d in _dsno.Values) d.Dispose();
        foreach (var k in _distilled.Values) k.Dispose();
    }
}
