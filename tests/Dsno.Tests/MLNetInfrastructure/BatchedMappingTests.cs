using Dsno.MLNet.Internal;
using Dsno.Tests.MLNetInfrastructure.TestModel;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Dsno.Tests.MLNetInfrastructure;

/// <summary>
/// The batched, lazy row mapping: one function call per batch, nothing computed before an output is read, input columns passed
/// through while reading ahead, several cursors at once, and one-row mapping for PredictionEngine.
/// </summary>
public class BatchedMappingTests
{
    private const float Scale = 2f;

    /// <summary>A pure C# mapping that records its calls: Scaled = 2 A + class index, Sum = sum of A.</summary>
    private sealed class Recorder
    {
        private int _running;

        public List<int> BatchSizes { get; } = new();
        public List<bool[]> Active { get; } = new();
        public int MaxConcurrent;

        public BatchedMapping Mapping(int batchSize, string scaledName = "Scaled") => new(
            new[] { BatchInputColumn.FloatVector("A", 3), BatchInputColumn.Integer("Class") },
            new[]
            {
                new BatchOutputColumn(scaledName, new[] { 1, 3 }, new Dictionary<string, float[]> { ["Times"] = new[] { 0.5f } }),
                new BatchOutputColumn("Sum", new[] { 1 }),
            },
            batchSize, Map);

        private void Map(InputBatch input, OutputBatch output)
        {
            int now = Interlocked.Increment(ref _running);
            lock (BatchSizes)
            {
                MaxConcurrent = Math.Max(MaxConcurrent, now);
                BatchSizes.Add(input.Count);
                Active.Add(new[] { output.IsActive(0), output.IsActive(1) });
            }
            Thread.Sleep(1); // widen the window in which a second caller would overlap
            var a = input.Floats(0);
            var label = input.Integers(1);
            var scaled = output.GetOrNull(0);
            var sum = output.GetOrNull(1);
            for (int r = 0; r < input.Count; r++)
            {
                for (int i = 0; i < 3; i++)
                    if (scaled is not null) scaled[r * 3 + i] = Scale * a[r * 3 + i] + label[r];
                if (sum is not null) sum[r] = a[r * 3] + a[r * 3 + 1] + a[r * 3 + 2];
            }
            Interlocked.Decrement(ref _running);
        }
    }

    private static float[] ExpectedScaled(TestData.Row row) => row.A.Select(v => Scale * v + TestData.ClassIndex(row)).ToArray();

    /// <summary>Reads every active column of a cursor's current row into comparable values.</summary>
    private static (float[] Scaled, float Sum, string Name, uint Class, float[] B) ReadRow(DataViewRowCursor cursor)
    {
        var schema = cursor.Schema;
        VBuffer<float> scaled = default, sum = default, b = default;
        ReadOnlyMemory<char> name = default;
        uint key = 0;
        cursor.GetGetter<VBuffer<float>>(schema["Scaled"])(ref scaled);
        cursor.GetGetter<VBuffer<float>>(schema["Sum"])(ref sum);
        cursor.GetGetter<ReadOnlyMemory<char>>(schema["Name"])(ref name);
        cursor.GetGetter<uint>(schema["Class"])(ref key);
        cursor.GetGetter<VBuffer<float>>(schema["B"])(ref b);
        return (scaled.DenseValues().ToArray(), sum.GetItemOrDefault(0), name.ToString(), key, b.DenseValues().ToArray());
    }

    [Fact]
    public void ThousandRowsAtBatch64MakeSixteenCallsAndServeEveryColumnOfEveryRow()
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.Rows(1000, seed: 3);
        var recorder = new Recorder();
        var mapping = recorder.Mapping(batchSize: 64);

        var view = mapping.Transform(ml.Data.LoadFromEnumerable(rows));
        Assert.Equal(1000, view.GetRowCount());
        using (var unused = view.GetRowCursor(view.Schema)) { }
        Assert.Equal(0, mapping.BatchCalls); // creating the view or a cursor computes nothing

        using (var cursor = view.GetRowCursor(view.Schema))
        {
            int r = 0;
            while (cursor.MoveNext())
            {
                Assert.Equal(r, cursor.Position);
                var (scaled, sum, name, key, b) = ReadRow(cursor);
                Assert.Equal(ExpectedScaled(rows[r]), scaled);
                Assert.Equal(rows[r].A[0] + rows[r].A[1] + rows[r].A[2], sum);
                Assert.Equal(rows[r].Name, name);
                Assert.Equal(TestData.RawKey(rows[r]), key);
                Assert.Equal(rows[r].B, b);
                r++;
            }
            Assert.Equal(1000, r);
        }
        Assert.Equal(16, mapping.BatchCalls);
        Assert.Equal(Enumerable.Repeat(64, 15).Append(1000 - 15 * 64), recorder.BatchSizes);
    }

    [Fact]
    public void OnlyRequestedOutputsAreComputedAndInputOnlyCursorsComputeNothing()
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.Rows(100, seed: 4);
        var recorder = new Recorder();
        var mapping = recorder.Mapping(batchSize: 30);
        var view = mapping.Transform(ml.Data.LoadFromEnumerable(rows));

        // Passed-through columns only: the function is never called.
        var names = new List<string>();
        using (var cursor = view.GetRowCursor(new[] { view.Schema["Name"] }))
        {
            Assert.False(cursor.IsColumnActive(view.Schema["Scaled"]));
            var getter = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema["Name"]);
            ReadOnlyMemory<char> value = default;
            while (cursor.MoveNext())
            {
                getter(ref value);
                names.Add(value.ToString());
            }
            Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<VBuffer<float>>(view.Schema["Scaled"]));
        }
        Assert.Equal(rows.Select(r => r.Name), names);
        Assert.Equal(0, mapping.BatchCalls);

        // Only Sum: the function sees Scaled inactive.
        var sums = TestData.FloatVectors(view, "Sum");
        Assert.Equal(rows.Select(r => r.A[0] + r.A[1] + r.A[2]), sums.Select(s => s[0]));
        Assert.Equal(4, mapping.BatchCalls);
        Assert.All(recorder.Active, a => Assert.Equal(new[] { false, true }, a));
    }

    [Fact]
    public void TwoInterleavedCursorsGiveTheSameValuesAsOne()
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.Rows(200, seed: 5);
        var recorder = new Recorder();
        var view = recorder.Mapping(batchSize: 16).Transform(ml.Data.LoadFromEnumerable(rows));

        var single = new List<(float[], float, string, uint, float[])>();
        using (var cursor = view.GetRowCursor(view.Schema))
            while (cursor.MoveNext()) single.Add(ReadRow(cursor));

        var first = new List<(float[], float, string, uint, float[])>();
        var second = new List<(float[], float, string, uint, float[])>();
        using (var c1 = view.GetRowCursor(view.Schema))
        using (var c2 = view.GetRowCursor(view.Schema))
        {
            // An uneven interleaving, so that the two cursors are in different batches most of the time.
            var random = new Random(7);
            bool more1 = true, more2 = true;
            while (more1 || more2)
            {
                if (more1 && (random.Next(3) == 0 || !more2))
                {
                    if (more1 = c1.MoveNext()) first.Add(ReadRow(c1));
                }
                else if (more2 = c2.MoveNext()) second.Add(ReadRow(c2));
            }
        }
        foreach (var other in new[] { first, second })
        {
            Assert.Equal(single.Count, other.Count);
            for (int r = 0; r < single.Count; r++)
            {
                Assert.Equal(single[r].Item1, other[r].Item1);
                Assert.Equal(single[r].Item2, other[r].Item2);
                Assert.Equal(single[r].Item3, other[r].Item3);
                Assert.Equal(single[r].Item4, other[r].Item4);
                Assert.Equal(single[r].Item5, other[r].Item5);
            }
        }
    }

    [Fact]
    public void CursorsOnSeveralThreadsNeverRunTheFunctionConcurrently()
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.Rows(256, seed: 6);
        var recorder = new Recorder();
        var view = recorder.Mapping(batchSize: 8).Transform(ml.Data.LoadFromEnumerable(rows));
        var results = new List<float[]>[4];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t => results[t] = TestData.FloatVectors(view, "Scaled"));
        Assert.Equal(1, recorder.MaxConcurrent);
        Assert.Equal(4 * 32, recorder.BatchSizes.Count);
        var expected = rows.Select(ExpectedScaled).ToList();
        foreach (var result in results) Assert.Equal(expected, result);
    }

    [Fact]
    public void OutputSchemaCarriesDimensionsAnnotationsAndHidesAReplacedInput()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TestData.Rows(10, seed: 8));
        var view = new Recorder().Mapping(batchSize: 4, scaledName: "B").Transform(data);

        var output = view.Schema["B"];
        Assert.Equal(data.Schema.Count, output.Index);
        Assert.Equal(new[] { 1, 3 }, ((VectorDataViewType)output.Type).Dimensions.ToArray());
        Assert.Equal(new[] { 0.5f }, SchemaChecks.RequireFloatVectorAnnotation(output, "Times"));
        var hidden = view.Schema[data.Schema["B"].Index];
        Assert.True(hidden.IsHidden);
        Assert.Equal(2, ((VectorDataViewType)hidden.Type).Size);

        // The hidden input column is still served (ML.NET writes hidden columns when asked to keep them).
        var cache = ml.Data.Cache(view);
        Assert.Equal(10, TestData.FloatVectors(cache, "B").Count);
    }

    [Fact]
    public void IntegerInputsAreZeroBasedKeysOrPlainIntegers()
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.Rows(12, seed: 9);
        var seen = new List<int>();
        var seenNumbers = new List<int>();
        var mapping = new BatchedMapping(
            new[] { BatchInputColumn.Integer("Class"), BatchInputColumn.Integer("Number") },
            new[] { new BatchOutputColumn("Out", new[] { 1 }) }, 5,
            (input, output) =>
            {
                seen.AddRange(input.Integers(0));
                seenNumbers.AddRange(input.Integers(1));
                using var scope = torch.NewDisposeScope();
                output.Write(0, input.IntegerTensor(0).to(torch.float32));
            });
        var data = ml.Data.LoadFromEnumerable(rows);
        Assert.IsType<KeyDataViewType>(data.Schema["Class"].Type);
        var outputs = TestData.FloatVectors(mapping.Transform(data), "Out");
        Assert.Equal(rows.Select(TestData.ClassIndex), seen); // a missing key (row 10) becomes -1
        Assert.Contains(-1, seen);
        Assert.Equal(rows.Select(r => r.Number), seenNumbers);
        Assert.Equal(rows.Select(r => (float)TestData.ClassIndex(r)), outputs.Select(o => o[0]));
    }

    [Fact]
    public void RowMapperMapsEachRowOnceAsABatchOfOne()
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.Rows(20, seed: 10);
        var data = ml.Data.LoadFromEnumerable(rows);
        var recorder = new Recorder();
        var mapping = recorder.Mapping(batchSize: 64);
        var mapper = mapping.GetRowToRowMapper(data.Schema);

        var scaled = mapper.OutputSchema["Scaled"];
        var dependencies = mapper.GetDependencies(new[] { scaled }).Select(c => c.Name).ToList();
        Assert.Equal(new[] { "A", "Class" }, dependencies);
        Assert.Equal(new[] { "Name" }, mapper.GetDependencies(new[] { mapper.OutputSchema["Name"] }).Select(c => c.Name));

        using var cursor = data.GetRowCursor(mapper.GetDependencies(new[] { scaled }));
        var row = mapper.GetRow(cursor, new[] { scaled });
        var getter = row.GetGetter<VBuffer<float>>(scaled);
        VBuffer<float> value = default;
        int r = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            getter(ref value); // a second read of the same row does not map it again
            Assert.Equal(ExpectedScaled(rows[r++]), value.DenseValues().ToArray());
        }
        Assert.Equal(20, mapping.BatchCalls);
        Assert.All(recorder.BatchSizes, size => Assert.Equal(1, size));
    }

    /// <summary>PredictionEngine input and output for the TinyLinear pipeline.</summary>
    private sealed class Prediction
    {
        [VectorType(6)] public float[] Projection { get; set; } = Array.Empty<float>();
        [VectorType(1)] public float[] InputNorm { get; set; } = Array.Empty<float>();
    }

    [Fact]
    public void PredictionEngineRunsTheTestTransformerOneRowAtATime()
    {
        torch.set_num_threads(1);
        var ml = new MLContext(seed: 1);
        var rows = TestData.Rows(40, seed: 11);
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Concatenate("Features", "A", "B")
            .Append(new TinyLinearEstimator(new TinyLinearOptions { BatchSize = 16 })).Fit(data);
        var batched = TestData.FloatVectors(model.Transform(data), "Projection");
        var norms = TestData.FloatVectors(model.Transform(data), "InputNorm");

        var engine = ml.Model.CreatePredictionEngine<TestData.Row, Prediction>(model);
        var linear = ((TransformerChain<TinyLinearTransformer>)model).LastTransformer;
        long before = linear.BatchCalls;
        for (int r = 0; r < rows.Count; r++)
        {
            var prediction = engine.Predict(rows[r]);
            // A batch of one may take another matrix-product kernel than a batch of 16: equal up to rounding.
            for (int k = 0; k < 6; k++) Assert.Equal(batched[r][k], prediction.Projection[k], 5);
            Assert.Equal(norms[r][0], prediction.InputNorm[0], 5);
        }
        Assert.Equal(rows.Count, linear.BatchCalls - before);
    }
}
