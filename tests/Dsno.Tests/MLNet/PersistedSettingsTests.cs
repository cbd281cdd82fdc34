using System.Text.Json.Nodes;
using Dsno.MLNet.Internal;

namespace Dsno.Tests.MLNet;

/// <summary>
/// The settings a transformer saves are JSON under fixed property names: the records below are what earlier versions wrote (every
/// property, none at its default), so their model files must still load to the same values and be written again under the same names.
/// </summary>
public class PersistedSettingsTests
{
    private const string EarlierTeacherJson =
        """{"NoiseColumnName":"N","LabelColumnName":"L","TrajectoryColumnName":"T","OutputImageColumnName":"I","OutputMLImage":true,"MLImageColumnName":"M","Solver":"heun","SolverSteps":7,"Frames":[0.5,0.25,0],"FramesAsStates":true,"ClipDenoised":false,"TransformBatchSize":9,"GuidanceScale":1.5,"GuidanceColumnName":"G"}""";

    private const string EarlierDsnoJson =
        """{"NoiseColumnName":"N","LabelColumnName":"L","OutputImageColumnName":"I","OutputTrajectoryColumnName":"T","OutputMLImage":true,"MLImageColumnName":"M","QueryTimes":[0.75,0],"TransformBatchSize":9,"Guidance":2.5,"GuidanceColumnName":"G"}""";

    [Fact]
    public void TeacherSettingsOfEarlierVersionsLoadAndAreWrittenUnderTheSameNames()
    {
        var s = ModelPersistence.FromJson<TeacherSettings>(EarlierTeacherJson, "test");
        Assert.Equal(("N", "L", "T", "I", true, "M"), (s.NoiseColumnName, s.LabelColumnName, s.TrajectoryColumnName, s.OutputImageColumnName, s.OutputMLImage, s.MLImageColumnName));
        Assert.Equal(("heun", 7, true, false, 9, 1.5, "G"), (s.Solver, s.SolverSteps, s.FramesAsStates, s.ClipDenoised, s.TransformBatchSize, s.GuidanceScale, s.GuidanceColumnName));
        Assert.Equal(new[] { 0.5, 0.25, 0 }, s.Frames);
        Assert.Equal("T", s.OutputTrajectoryColumn);
        s.Validate(message => new InvalidDataException(message));
        Assert.Equal(Properties(EarlierTeacherJson), Properties(ModelPersistence.ToJson(s)));
    }

    [Fact]
    public void DsnoSettingsOfEarlierVersionsLoadAndAreWrittenUnderTheSameNames()
    {
        var s = ModelPersistence.FromJson<DsnoSettings>(EarlierDsnoJson, "test");
        Assert.Equal(("N", "L", "I", "T", true, "M"), (s.NoiseColumnName, s.LabelColumnName, s.OutputImageColumnName, s.OutputTrajectoryColumnName, s.OutputMLImage, s.MLImageColumnName));
        Assert.Equal((9, 2.5, "G"), (s.TransformBatchSize, s.Guidance, s.GuidanceColumnName));
        Assert.Equal(new[] { 0.75, 0 }, s.QueryTimes);
        Assert.Equal("T", s.OutputTrajectoryColumn);
        s.Validate(message => new InvalidDataException(message));
        Assert.Equal(Properties(EarlierDsnoJson), Properties(ModelPersistence.ToJson(s)));
    }

    /// <summary>Each top-level property of a JSON object with its value as JSON text, sorted by name (the order is not part of the format).</summary>
    private static string[] Properties(string json) =>
        JsonNode.Parse(json)!.AsObject().Select(p => $"{p.Key}={p.Value?.ToJsonString() ?? "null"}").Order(StringComparer.Ordinal).ToArray();
}
