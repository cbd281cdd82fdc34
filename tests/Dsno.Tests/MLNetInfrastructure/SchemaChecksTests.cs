using Dsno.MLNet.Internal;
using Dsno.Tests.MLNetInfrastructure.TestModel;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Dsno.Tests.MLNetInfrastructure;

/// <summary>Input columns that do not fit are reported with the column, what was expected and what was found.</summary>
public class SchemaChecksTests
{
    private sealed class Images
    {
        [VectorType(1, 4, 4)] public float[] Image { get; set; } = new float[16];
        [VectorType(16)] public float[] Flat { get; set; } = new float[16];
        [VectorType(4, 4)] public float[] Square { get; set; } = new float[16];
        [VectorType(16)] public int[] Integers { get; set; } = new int[16];
        public float Scalar { get; set; }
        public int Label { get; set; }
    }

    private static DataViewSchema Schema() => new MLContext().Data.LoadFromEnumerable(new[] { new Images() }).Schema;

    [Fact]
    public void FloatVectorChecksNameSizeDimensionsAndItemType()
    {
        var schema = Schema();
        Assert.Equal("Image", SchemaChecks.RequireFloatVector(schema, "Image", new[] { 1, 4, 4 }).Name);
        Assert.Equal("Flat", SchemaChecks.RequireFloatVector(schema, "Flat", new[] { 1, 4, 4 }).Name); // flat vectors of the right size pass

        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => SchemaChecks.RequireFloatVector(schema, "Noise", new[] { 1, 4, 4 }));
        Assert.Equal("inputSchema", missing.ParamName);
        Assert.Contains("Input column 'Noise' is missing", missing.Message);
        Assert.Contains("'Image'", missing.Message);

        var size = Assert.Throws<ArgumentOutOfRangeException>(() => SchemaChecks.RequireFloatVector(schema, "Image", new[] { 1, 8, 8 }));
        Assert.Contains("'Image'", size.Message);
        Assert.Contains("[1, 8, 8] (64 values)", size.Message);
        Assert.Contains("Vector<Single, 1, 4, 4>", size.Message);

        var dims = Assert.Throws<ArgumentOutOfRangeException>(() => SchemaChecks.RequireFloatVector(schema, "Square", new[] { 1, 4, 4 }));
        Assert.Contains("with dimensions [4, 4]", dims.Message);

        var items = Assert.Throws<ArgumentOutOfRangeException>(() => SchemaChecks.RequireFloatVector(schema, "Integers", new[] { 16 }));
        Assert.Contains("vector of Single", items.Message);
        Assert.Contains("Int32", items.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => SchemaChecks.RequireFloatVector(schema, "Scalar", new[] { 1 }));
    }

    [Fact]
    public void IntegerAndAnnotationChecksNameWhatIsMissing()
    {
        var schema = Schema();
        Assert.Equal("Label", SchemaChecks.RequireInteger(schema, "Label").Name);
        var notInteger = Assert.Throws<ArgumentOutOfRangeException>(() => SchemaChecks.RequireInteger(schema, "Scalar"));
        Assert.Contains("'Scalar' must be a scalar Int32, UInt32, Int64 or key; found Single", notInteger.Message);

        var noTimes = Assert.Throws<ArgumentOutOfRangeException>(() => SchemaChecks.RequireFloatVectorAnnotation(schema["Image"], "Times"));
        Assert.Contains("Input column 'Image' lacks the annotation 'Times'", noTimes.Message);
    }

    [Fact]
    public void EstimatorShapeChecksUseTheSameMessages()
    {
        var shape = SchemaShapes.FromSchema(Schema());
        Assert.Equal("Image", SchemaChecks.RequireFloatVector(shape, "Image").Name);
        var items = Assert.Throws<ArgumentOutOfRangeException>(() => SchemaChecks.RequireFloatVector(shape, "Integers"));
        Assert.Contains("'Integers' must be a known-size vector of Single; found Vector<Int32>", items.Message);
        Assert.Contains("Input column 'Trajectory' is missing",
            Assert.Throws<ArgumentOutOfRangeException>(() => SchemaChecks.RequireFloatVector(shape, "Trajectory")).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => SchemaChecks.RequireInteger(shape, "Flat"));
        var annotation = Assert.Throws<ArgumentOutOfRangeException>(() => SchemaChecks.RequireFloatVectorAnnotation(shape.Single(c => c.Name == "Image"), "Times"));
        Assert.Contains("lacks the annotation 'Times'", annotation.Message);

        // An estimator's promise carries the output columns and their annotations; the promised annotation is found.
        var output = new TinyLinearEstimator(new TinyLinearOptions { InputColumnName = "Flat" }).GetOutputSchema(shape);
        var projection = output.Single(c => c.Name == "Projection");
        SchemaChecks.RequireFloatVectorAnnotation(projection, "Times");
        Assert.Contains(output, c => c.Name == "InputNorm");
        Assert.Contains(output, c => c.Name == "Image");
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new TinyLinearEstimator(new TinyLinearOptions { InputColumnName = "Integers" }).GetOutputSchema(shape));
    }

    [Fact]
    public void TransformerRejectsAWrongInputAtTransformTime()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TestData.Rows(10, seed: 1));
        var linear = new TinyLinearEstimator(new TinyLinearOptions { InputColumnName = "A" }).Fit(data); // fitted on 3 values
        var other = ml.Data.LoadFromEnumerable(new[] { new Images() });
        var wrong = Assert.Throws<ArgumentOutOfRangeException>(() => linear.Transform(ml.Transforms.CopyColumns("A", "Flat").Fit(other).Transform(other)));
        Assert.Contains("Input column 'A' must be a known-size vector of Single with dimensions [3] (3 values); found Vector<Single, 16>", wrong.Message);
    }
}
