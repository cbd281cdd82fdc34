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
    private static readonly Lazy<Reflected> Saver = new(Reflected.Resolve, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Writes the columns of <paramref name="data"/> (hidden ones only with <paramref name="keepHidden"/>) to <paramref name="stream"/>.</summary>
    public static void Save(IHostEnvironment environment, IDataView data, Stream stream, bool keepHidden)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(stream);
        var reflected = Saver.Value;
        object saver = reflected.Create(environment);
        var columns = new List<int>();
        foreach (var column in data.Schema)
        {
            if (column.IsHidden && !keepHidden) continue;
            if (!reflected.IsColumnSavable(saver, column.Type))
                throw new ArgumentException($"column '{column.Name}' of type {column.Type} cannot be saved in an ML.NET binary file", nameof(data));
            columns.Add(column.Index);
        }
        reflected.SaveData(saver, stream, data, columns.ToArray());
    }

    private sealed class Reflected(ConstructorInfo constructor, Type argumentsType, FieldInfo deterministic, FieldInfo silent,
        MethodInfo isColumnSavable, MethodInfo saveData)
    {
        public object Create(IHostEnvironment environment)
        {
            object arguments = Activator.CreateInstance(argumentsType)!;
            deterministic.SetValue(arguments, true);
            silent.SetValue(arguments, true);
            return constructor.Invoke(BindingFlags.DoNotWrapExceptions, null, new[] { environment, arguments }, null);
        }

        public bool IsColumnSavable(object saver, DataViewType type) =>
            (bool)isColumnSavable.Invoke(saver, BindingFlags.DoNotWrapExceptions, null, new object[] { type }, null)!;

        public void SaveData(object saver, Stream stream, IDataView data, int[] columns) =>
            saveData.Invoke(saver, BindingFlags.DoNotWrapExceptions, null, new object[] { stream, data, columns }, null);

        public static Reflected Resolve()
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
}
