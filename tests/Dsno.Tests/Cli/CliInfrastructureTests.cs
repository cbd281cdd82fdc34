using Dsno.Cli.Infrastructure;
using Microsoft.ML;
using Microsoft.ML.Data;
using Dsno.MLNet;

namespace Dsno.Tests.Cli;

/// <summary>The CLI's own data plumbing: several .idv files read as one view, and the error mapping.</summary>
public class CliInfrastructureTests
{
    [Fact]
    public void ConcatenatedFilesReadEveryRowOnceInOrderOrShuffled()
    {
        var ml = new MLContext(seed: 1);
        string dir = TinyModels.TempDir();
        var files = new List<string>();
        int next = 0;
        // More files than the shuffle window, one of them empty.
        foreach (int rows in new[] { 5, 1, 7, 0, 2, 3, 1, 4, 2, 6, 1, 3 })
        {
            var view = ml.Data.LoadFromEnumerable(Enumerable.Range(next, rows).Select(i => new Row { Value = new[] { (float)i, -i } }).ToList(),
                Microsoft.ML.Data.SchemaDefinition.Create(typeof(Row)));
            next += rows;
            string file = Path.Combine(dir, $"part{files.Count}.idv");
            using (var stream = File.Create(file)) ml.Data.SaveAsBinary(view, stream);
            files.Add(file);
        }
        var joined = TrajectoryFiles.Open(ml, files, new[] { "Value" });
        Assert.True(files.Count > Dsno.MLNet.Internal.ConcatenatedDataView.ShuffleWindow);
        Assert.Equal(next, joined.GetRowCount());
        var sequential = CliHarness.Column(joined, "Value");
        Assert.Equal(Enumerable.Range(0, next).Select(i => (float)i), sequential.Select(r => r[0]));
        Assert.All(sequential, r => Assert.Equal(-r[0], r[1]));

        float[] Shuffled(int seed)
        {
            using var cursor = joined.GetRowCursor(joined.Schema, new Random(seed));
            var get = cursor.GetGetter<VBuffer<float>>(joined.Schema["Value"]);
            var values = new List<float>();
            VBuffer<float> buffer = default;
            while (cursor.MoveNext()) { get(ref buffer); values.Add(buffer.GetValues()[0]); }
            return values.ToArray();
        }
        Assert.True(joined.CanShuffle);
        var a = Shuffled(3);
        Assert.Equal(Enumerable.Range(0, next).Select(i => (float)i), a.Order());
        Assert.Equal(a, Shuffled(3));
        Assert.NotEqual(Enumerable.Range(0, next).Select(i => (float)i), a);
        Assert.NotEqual(a, Shuffled(4));

        // A file with other columns is refused, naming it.
        string other = Path.Combine(dir, "other.idv");
        var otherView = ml.Data.LoadFromEnumerable(new[] { new Row3 { Value = new[] { 1f, 2f, 3f } } });
        using (var stream = File.Create(other)) ml.Data.SaveAsBinary(otherView, stream);
        var e = Assert.Throws<BadInputException>(() => TrajectoryFiles.Open(ml, files.Append(other).ToList(), new[] { "Value" }));
        Assert.Contains(other, e.Message);
    }

    [Fact]
    public void ErrorMapperGivesOneLineAndTheDocumentedExitCodes()
    {
        Assert.Equal((ExitCodes.Usage, "bad"), ErrorMapper.Map(new UsageException("bad")));
        Assert.Equal(ExitCodes.BadInput, ErrorMapper.Map(new BadInputException("x")).ExitCode);
        Assert.Equal(ExitCodes.BadInput, ErrorMapper.Map(new InvalidDataException("corrupt")).ExitCode);
        Assert.Equal(ExitCodes.Interrupted, ErrorMapper.Map(new OperationCanceledException()).ExitCode);
        var (code, message) = ErrorMapper.Map(new ArgumentOutOfRangeException("steps", 0, "must be at least 1"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.DoesNotContain("\n", message);
        Assert.DoesNotContain("Parameter", message);
        Assert.Equal(ExitCodes.InternalError, ErrorMapper.Map(new NullReferenceException()).ExitCode);
    }

    private sealed class Row
    {
        [VectorType(2)] public float[] Value { get; set; } = Array.Empty<float>();
    }

    private sealed class Row3
    {
        [VectorType(3)] public float[] Value { get; set; } = Array.Empty<float>();
    }
}
