using System.Reflection;

namespace Dsno.MLNet.Internal;

/// <summary>
/// ML.NET's binary (<c>.idv</c>) saver with its <c>DeterministicBlockOrder</c> setting on. <c>mlContext.Data.SaveAsBinary</c> compresses
/// column blocks on one thread per core and writes each block as soon as it is compressed, so two saves of the same rows can order their
/// blocks differently; the saver's own option (internal in ML.NET 5.0.1, like the saver class) writes them in (block, column) order, so the
/// bytes depend on the rows alone. Reached by reflection once, through <see cref="MlNetInternals"/>'s look-ups: a missing member raises <see cref="InvalidOperationException"/> naming it.
/// </summary>
internal static class DeterministicBinarySaver
{
    private const BindingFlags Unwrapped = BindingFlags.DoNotWrapExceptions;
    private static readonly Lazy<Reflected> Saver = new(Resolve, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Writes the columns of <paramref name="data"/> (hidden ones only with <paramref name="keepHidden"/>) to <paramref name="stream"/>.</summary>
    public static void Save(IHostEnvironment environment, IDataView data, Stream stream, bool keepHidden)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(stream);
        var r = Saver.Value;
        object arguments = Activator.CreateInstance(r.Arguments)!;
        r.Deterministic.SetValue(arguments, true);
        r.Silent.SetValue(arguments, true);
        object saver = r.Constructor.Invoke(Unwrapped, null, new[] { environment, arguments }, null);
        var columns = new List<int>();
        foreach (var column in data.Schema)
        {
            if (column.IsHidden && !keepHidden) continue;
            if (!(bool)r.IsColumnSavable.Invoke(saver, Unwrapped, null, new object[] { column.Type }, null)!)
                throw new ArgumentException($"column '{column.Name}' of type {column.Type} cannot be saved in an ML.NET binary file", nameof(data));
            columns.Add(column.Index);
        }
        r.SaveData.Invoke(saver, Unwrapped, null, new object[] { stream, data, columns.ToArray() }, null);
    }

    private sealed record Reflected(ConstructorInfo Constructor, Type Arguments, FieldInfo Deterministic, FieldInfo Silent,
        MethodInfo IsColumnSavable, MethodInfo SaveData);

    private static Reflected Resolve()
    {
        var saver = MlNetInternals.FindType("Microsoft.ML.Data.IO.BinarySaver", typeof(DataOperationsCatalog).Assembly);
        var arguments = saver.GetNestedType("Arguments", BindingFlags.Public | BindingFlags.NonPublic)
            ?? throw MlNetInternals.Missing($"type {saver.FullName}.Arguments", saver.Assembly);
        return new Reflected(
            MlNetInternals.FindConstructor(saver, typeof(IHostEnvironment), arguments),
            arguments,
            MlNetInternals.FindField(arguments, "DeterministicBlockOrder", typeof(bool)),
            MlNetInternals.FindField(arguments, "Silent", typeof(bool)),
            MlNetInternals.FindMethod(saver, "IsColumnSavable", typeof(DataViewType)),
            MlNetInternals.FindMethod(saver, "SaveData", typeof(Stream), typeof(IDataView), typeof(int[])));
    }
}
