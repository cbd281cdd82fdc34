using Dsno.Diffusion;
using Dsno.MLNet;
using Dsno.MLNet.Internal;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Dsno.Tests.MLNet;

/// <summary>What trajectory frames hold travels with them (the FrameKind annotation) from the teacher through an .idv file to DSNO.</summary>
public class TrajectoryFrameKindTests
{
    [Fact]
    public void DsnoFittedOnStateTrajectoriesPredictsStates()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var teacherOptions = MlNetModels.TeacherOptions();
        teacherOptions.TrainingSteps = 2;
        teacherOptions.FramesAsStates = true;
        var teacher = ml.Transforms.DiffusionTeacher(teacherOptions).Fit(ml.Data.LoadDigits());
        var trajectories = MlNetModels.Trajectories(ml, teacher, 16);
        Assert.Equal(FrameKind.State, TrajectoryAnnotations.ReadFrameKind(trajectories.Schema["Trajectory"]));

        // Through an .idv file, as the CLI and the README store trajectories.
        string path = Path.Combine(TinyModels.TempDir(), "states.idv");
        using (var stream = File.Create(path)) ml.Data.SaveAsBinary(trajectories, stream);
        var loaded = ml.Data.LoadFromBinary(path);
        Assert.Equal(FrameKind.State, TrajectoryAnnotations.ReadFrameKind(loaded.Schema["Trajectory"]));

        var estimator = ml.Transforms.Dsno(MlNetModels.DsnoOptions(teacher, steps: 2));
        var promised = estimator.GetOutputSchema(SchemaShapes.FromSchema(loaded.Schema)).Single(c => c.Name == "Trajectory");
        Assert.Contains(promised.Annotations, a => a.Name == TrajectoryAnnotations.FrameKind && a.ItemType is TextDataViewType);
        var dsno = estimator.Fit(loaded);
        Assert.Equal(FrameKind.State, dsno.Model.Kind);
        Assert.Equal(FrameKind.State, TrajectoryAnnotations.ReadFrameKind(dsno.Transform(loaded).Schema["Trajectory"]));

        // And so does the model after a save and load.
        string model = Path.Combine(TinyModels.TempDir(), "dsno.zip");
        ml.Model.Save(dsno, loaded.Schema, model);
        var reloaded = Assert.IsType<DsnoTransformer>(new MLContext().Model.Load(model, out _));
        Assert.Equal(FrameKind.State, reloaded.Model.Kind);
        Assert.Equal(FrameKind.State, TrajectoryAnnotations.ReadFrameKind(reloaded.GetOutputSchema(loaded.Schema)["Trajectory"]));
    }

    [Fact]
    public void DenoisedIsWrittenByDefaultAndAssumedWhenTheAnnotationIsMissing()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var trajectories = MlNetModels.Trajectories(ml, MlNetModels.Teacher, 4);
        var column = trajectories.Schema["Trajectory"];
        ReadOnlyMemory<char> text = default;
        column.Annotations.GetValue(TrajectoryAnnotations.FrameKind, ref text);
        Assert.Equal("Denoised", text.ToString());

        Assert.Equal(FrameKind.Denoised, TrajectoryAnnotations.ReadFrameKind(Trajectory(annotation: null)));
        Assert.Equal(FrameKind.State, TrajectoryAnnotations.ReadFrameKind(Trajectory("State")));
        var unknown = Assert.Throws<InvalidOperationException>(() => TrajectoryAnnotations.ReadFrameKind(Trajectory("state")));
        Assert.Contains("FrameKind annotation is 'state'; expected one of Denoised, State", unknown.Message);
    }

    /// <summary>A trajectory column whose FrameKind annotation is <paramref name="annotation"/> (none when null).</summary>
    private static DataViewSchema.Column Trajectory(string? annotation)
    {
        var annotations = new DataViewSchema.Annotations.Builder();
        if (annotation is not null)
            annotations.Add(TrajectoryAnnotations.FrameKind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = annotation.AsMemory());
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Trajectory", new VectorDataViewType(NumberDataViewType.Single, 2, 1, 8, 8), annotations.ToAnnotations());
        return builder.ToSchema()["Trajectory"];
    }
}
