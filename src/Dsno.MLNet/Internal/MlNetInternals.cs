using System.Reflection;

namespace Dsno.MLNet.Internal;

/// <summary>
/// The one place that reaches into ML.NET's internal model-persistence API (Microsoft.ML.Core, written against 5.0.1).
/// </summary>
/// <remarks>
/// ML.NET keeps everything a third-party <see cref="ITransformer"/> needs to save itself into, and load itself from, a model zip
/// <c>internal</c> (<c>[BestFriend]</c>): <c>VersionInfo</c>, the useful members of <see cref="ModelSaveContext"/>, the type
/// <c>ModelLoadContext</c>, <c>LoadableClassAttribute</c>, <c>SignatureLoadModel</c> and the constructor of
/// <see cref="SchemaShape.Column"/>. Every member is looked up once, on first use; a missing one raises an
/// <see cref="InvalidOperationException"/> that names it and the ML.NET version found, so that a future ML.NET that changes them
/// fails loudly at the first save, load or schema check (and in <see cref="Verify"/>) rather than misbehaving.
/// Calls go through <see cref="BindingFlags.DoNotWrapExceptions"/>, so exceptions thrown by ML.NET or by our own callbacks
/// (for example a corrupt-stream error raised while reading a binary entry) reach the caller unwrapped.
/// </remarks>
internal static class MlNetInternals
{
    private const BindingFlags Instance = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;
    private const BindingFlags Static = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static;

    /// <summary>The ML.NET version this bridge was written and tested against.</summary>
    internal const string WrittenAgainstVersion = "5.0.1";

    private static readonly Lazy<Members> Resolved = new(Members.Resolve, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Microsoft.ML.Core, the assembly that holds the internal types.</summary>
    internal static Assembly CoreAssembly => typeof(ModelSaveContext).Assembly;

    /// <summary>The product version of the loaded Microsoft.ML.Core, for error messages.</summary>
    internal static string LoadedVersion
    {
        get
        {
            var informational = CoreAssembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            if (string.IsNullOrEmpty(informational)) return CoreAssembly.GetName().Version?.ToString() ?? "unknown";
            int plus = informational.IndexOf('+');
            return plus > 0 ? informational[..plus] : informational;
        }
    }

    /// <summary>The environment (the <see cref="MLContext"/>'s host) behind a transforms catalog.</summary>
    internal static IHostEnvironment EnvironmentOf(TransformsCatalog catalog) =>
        (IHostEnvironment)Resolved.Value.CatalogEnvironment.GetValue(catalog)!;

    /// <summary>The environment behind a data catalog.</summary>
    internal static IHostEnvironment EnvironmentOf(DataOperationsCatalog catalog) =>
        (IHostEnvironment)Resolved.Value.DataCatalogEnvironment.GetValue(catalog)!;

    /// <summary>
    /// True once <c>MLContext.CancelExecution()</c> was called on the context behind <paramref name="environment"/> (ML.NET keeps the
    /// flag on an internal interface; environments without it are never cancelled).
    /// </summary>
    internal static bool IsCancelled(IHostEnvironment environment)
    {
        // MLContext forwards to a private LocalEnvironment (field _env) that holds the flag.
        object target = environment.GetType().GetField("_env", Instance)?.GetValue(environment) ?? environment;
        var property = target.GetType().GetProperty("IsCanceled", Instance);
        return property?.PropertyType == typeof(bool) && (bool)property.GetValue(target)!;
    }

    /// <summary>Resolves every internal member used here; throws <see cref="InvalidOperationException"/> naming the first one missing.</summary>
    internal static void Verify() => _ = Resolved.Value;

    /// <summary>The internal type <c>Microsoft.ML.ModelLoadContext</c>.</summary>
    internal static Type ModelLoadContextType => Resolved.Value.LoadContextType;

    /// <summary>The internal attribute type <c>Microsoft.ML.LoadableClassAttribute</c>.</summary>
    internal static Type LoadableClassAttributeType => Resolved.Value.LoadableClassAttributeType;

    /// <summary>
    /// <c>LoadableClassAttribute(Type instType, Type loaderType, Type argType, Type sigType, string userName, params string[] loadNames)</c>.
    /// </summary>
    internal static ConstructorInfo LoadableClassAttributeConstructor => Resolved.Value.LoadableClassCtor;

    /// <summary>The internal delegate type <c>Microsoft.ML.SignatureLoadModel</c> (the signature of model loaders).</summary>
    internal static Type SignatureLoadModelType => Resolved.Value.SignatureLoadModelType;

    /// <summary>
    /// Creates a boxed <c>VersionInfo</c>. <paramref name="modelSignature"/> is exactly 8 characters below U+0100; the loader signature
    /// at most 24 ASCII characters (ML.NET packs both into fixed header fields).
    /// </summary>
    internal static object CreateVersionInfo(string modelSignature, uint versionWritten, uint versionReadable, uint versionWeCanReadBack,
        string loaderAssemblyName, string loaderSignature)
    {
        CheckModelSignature(modelSignature);
        CheckLoaderSignature(loaderSignature);
        return Resolved.Value.VersionInfoCtor.Invoke(BindingFlags.DoNotWrapExceptions, null,
            new object?[] { modelSignature, versionWritten, versionReadable, versionWeCanReadBack, loaderAssemblyName, loaderSignature, null },
            null);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="signature"/> is 8 characters below U+0100.</summary>
    internal static void CheckModelSignature(string signature)
    {
        if (signature is null || signature.Length != 8 || signature.Any(c => c > 0xFF))
            throw new ArgumentException($"An ML.NET model signature must be exactly 8 characters below U+0100; got '{signature}'.", nameof(signature));
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="signature"/> is 1 to 24 printable ASCII characters.</summary>
    internal static void CheckLoaderSignature(string signature)
    {
        if (string.IsNullOrEmpty(signature) || signature.Length > 24 || signature.Any(c => c < 0x21 || c > 0x7E))
            throw new ArgumentException($"An ML.NET loader signature must be 1 to 24 printable ASCII characters; got '{signature}'.", nameof(signature));
    }

    // ---- ModelSaveContext: the type is public, the members used here are internal ----

    /// <summary>Asserts that nothing has been written to the main stream yet (<c>ModelSaveContext.CheckAtModel()</c>).</summary>
    internal static void CheckAtModel(ModelSaveContext ctx) => Call(Resolved.Value.SaveCheckAtModel, ctx);

    /// <summary>Records the version information, and with it the loader assembly and signature, in the sub-model header.</summary>
    internal static void SetVersionInfo(ModelSaveContext ctx, object versionInfo) => Call(Resolved.Value.SaveSetVersionInfo, ctx, versionInfo);

    /// <summary>The writer of the sub-model's main stream (<c>Model.key</c>).</summary>
    internal static BinaryWriter GetWriter(ModelSaveContext ctx) => (BinaryWriter)Resolved.Value.SaveWriter.GetValue(ctx)!;

    /// <summary>Whether the context writes into a model repository (a zip), which named binary streams need.</summary>
    internal static bool IsInRepository(ModelSaveContext ctx) => (bool)Call(Resolved.Value.SaveInRepository, ctx)!;

    /// <summary>Writes a separate binary entry named <paramref name="name"/> next to the sub-model's main stream.</summary>
    internal static void SaveBinaryStream(ModelSaveContext ctx, string name, Action<BinaryWriter> write) =>
        Call(Resolved.Value.SaveBinaryStream, ctx, name, write);

    // ---- ModelLoadContext: the type is internal, so instances travel as object ----

    /// <summary>
    /// Checks that the reader is at the start of the model and that the header's model signature and versions are compatible with
    /// <paramref name="versionInfo"/> (ML.NET throws <see cref="FormatException"/> otherwise).
    /// </summary>
    internal static void CheckAtModel(object loadContext, object versionInfo) =>
        Call(Resolved.Value.LoadCheckAtModel, RequireLoadContext(loadContext), versionInfo);

    /// <summary>The reader of the sub-model's main stream, positioned at the model's bytes.</summary>
    internal static BinaryReader GetReader(object loadContext) => (BinaryReader)Resolved.Value.LoadReader.GetValue(RequireLoadContext(loadContext))!;

    /// <summary>Whether the context reads from a model repository (a zip).</summary>
    internal static bool IsInRepository(object loadContext) => (bool)Call(Resolved.Value.LoadInRepository, RequireLoadContext(loadContext))!;

    /// <summary>Reads the binary entry <paramref name="name"/> next to the main stream; false when there is no such entry.</summary>
    internal static bool TryLoadBinaryStream(object loadContext, string name, Action<BinaryReader> read) =>
        (bool)Call(Resolved.Value.LoadTryLoadBinaryStream, RequireLoadContext(loadContext), name, read)!;

    // ---- SchemaShape.Column has only an internal constructor ----

    /// <summary>Creates a <see cref="SchemaShape.Column"/> (its constructor is internal).</summary>
    internal static SchemaShape.Column CreateShapeColumn(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType, bool isKey,
        SchemaShape? annotations = null) =>
        (SchemaShape.Column)Resolved.Value.ShapeColumnCtor.Invoke(BindingFlags.DoNotWrapExceptions, null,
            new object?[] { name, kind, itemType, isKey, annotations }, null);

    private static object RequireLoadContext(object loadContext)
    {
        if (!Resolved.Value.LoadContextType.IsInstanceOfType(loadContext))
            throw new ArgumentException(
                $"Expected an ML.NET ModelLoadContext, got {loadContext?.GetType().FullName ?? "null"}.", nameof(loadContext));
        return loadContext;
    }

    private static object? Call(MethodInfo method, object target, params object?[] args) =>
        method.Invoke(target, BindingFlags.DoNotWrapExceptions, null, args, null);

    /// <summary>Looks up a type in <paramref name="assembly"/> (default Microsoft.ML.Core), or throws the "ML.NET changed" error.</summary>
    internal static Type FindType(string fullName, Assembly? assembly = null)
    {
        assembly ??= CoreAssembly;
        return assembly.GetType(fullName, throwOnError: false) ?? throw Missing($"type {fullName}", assembly);
    }

    /// <summary>Looks up an instance or static method by name and exact parameter types, or throws the "ML.NET changed" error.</summary>
    internal static MethodInfo FindMethod(Type type, string name, params Type[] parameters) =>
        type.GetMethod(name, Instance | Static, null, parameters, null)
        ?? throw Missing($"method {type.FullName}.{name}({string.Join(", ", parameters.Select(p => p.Name))})", type.Assembly);

    /// <summary>Looks up an instance field by name and type, or throws the "ML.NET changed" error.</summary>
    internal static FieldInfo FindField(Type type, string name, Type fieldType)
    {
        var field = type.GetField(name, Instance);
        if (field is null || field.FieldType != fieldType)
            throw Missing($"field {fieldType.Name} {type.FullName}.{name}", type.Assembly);
        return field;
    }

    /// <summary>Looks up an instance property getter by name and type, or throws the "ML.NET changed" error.</summary>
    internal static MethodInfo FindPropertyGetter(Type type, string name, Type propertyType)
    {
        var property = type.GetProperty(name, Instance);
        if (property?.GetMethod is not { } getter || property.PropertyType != propertyType)
            throw Missing($"property {propertyType.Name} {type.FullName}.{name}", type.Assembly);
        return getter;
    }

    /// <summary>Looks up a constructor by exact parameter types, or throws the "ML.NET changed" error.</summary>
    internal static ConstructorInfo FindConstructor(Type type, params Type[] parameters) =>
        type.GetConstructor(Instance, null, parameters, null)
        ?? throw Missing($"constructor {type.FullName}({string.Join(", ", parameters.Select(p => p.Name))})", type.Assembly);

    /// <summary>The "ML.NET changed" error: <paramref name="what"/> is missing from <paramref name="assembly"/> (default Microsoft.ML.Core).</summary>
    internal static InvalidOperationException Missing(string what, Assembly? assembly = null) =>
        new($"Dsno.MLNet cannot find the ML.NET internal {what} in {(assembly ?? CoreAssembly).GetName().Name} {LoadedVersion} " +
            $"(Dsno.MLNet was built against ML.NET {WrittenAgainstVersion}). This ML.NET version changed its model persistence internals; " +
            "use ML.NET " + WrittenAgainstVersion + " or a Dsno.MLNet release built for this ML.NET version.");

    /// <summary>All resolved members; built once.</summary>
    private sealed class Members
    {
        public required ConstructorInfo VersionInfoCtor { get; init; }
        public required MethodInfo SaveCheckAtModel { get; init; }
        public required MethodInfo SaveSetVersionInfo { get; init; }
        public required FieldInfo SaveWriter { get; init; }
        public required MethodInfo SaveInRepository { get; init; }
        public required MethodInfo SaveBinaryStream { get; init; }
        public required Type LoadContextType { get; init; }
        public required MethodInfo LoadCheckAtModel { get; init; }
        public required FieldInfo LoadReader { get; init; }
        public required MethodInfo LoadInRepository { get; init; }
        public required MethodInfo LoadTryLoadBinaryStream { get; init; }
        public required ConstructorInfo ShapeColumnCtor { get; init; }
        public required Type LoadableClassAttributeType { get; init; }
        public required ConstructorInfo LoadableClassCtor { get; init; }
        public required Type SignatureLoadModelType { get; init; }
        public required FieldInfo CatalogEnvironment { get; init; }
        public required FieldInfo DataCatalogEnvironment { get; init; }

        public static Members Resolve()
        {
            var versionInfo = FindType("Microsoft.ML.VersionInfo");
            var loadContext = FindType("Microsoft.ML.ModelLoadContext");
            var loadableClass = FindType("Microsoft.ML.LoadableClassAttribute");
            var signatureLoadModel = FindType("Microsoft.ML.SignatureLoadModel");
            var save = typeof(ModelSaveContext);
            var members = new Members
            {
                VersionInfoCtor = FindConstructor(versionInfo,
                    typeof(string), typeof(uint), typeof(uint), typeof(uint), typeof(string), typeof(string), typeof(string)),
                SaveCheckAtModel = FindMethod(save, "CheckAtModel"),
                SaveSetVersionInfo = FindMethod(save, "SetVersionInfo", versionInfo),
                SaveWriter = FindField(save, "Writer", typeof(BinaryWriter)),
                SaveInRepository = FindPropertyGetter(save, "InRepository", typeof(bool)),
                SaveBinaryStream = FindMethod(save, "SaveBinaryStream", typeof(string), typeof(Action<BinaryWriter>)),
                LoadContextType = loadContext,
                LoadCheckAtModel = FindMethod(loadContext, "CheckAtModel", versionInfo),
                LoadReader = FindField(loadContext, "Reader", typeof(BinaryReader)),
                LoadInRepository = FindPropertyGetter(loadContext, "InRepository", typeof(bool)),
                LoadTryLoadBinaryStream = FindMethod(loadContext, "TryLoadBinaryStream", typeof(string), typeof(Action<BinaryReader>)),
                ShapeColumnCtor = FindConstructor(typeof(SchemaShape.Column),
                    typeof(string), typeof(SchemaShape.Column.VectorKind), typeof(DataViewType), typeof(bool), typeof(SchemaShape)),
                LoadableClassAttributeType = loadableClass,
                LoadableClassCtor = FindConstructor(loadableClass,
                    typeof(Type), typeof(Type), typeof(Type), typeof(Type), typeof(string), typeof(string[])),
                SignatureLoadModelType = signatureLoadModel,
                CatalogEnvironment = FindField(typeof(TransformsCatalog), "_env", typeof(IHostEnvironment)),
                DataCatalogEnvironment = FindField(typeof(DataOperationsCatalog), "_env", typeof(IHostEnvironment)),
            };
            // The loader signature ML.NET binds to: a delegate taking exactly one ModelLoadContext.
            var invoke = signatureLoadModel.GetMethod("Invoke");
            if (!typeof(Delegate).IsAssignableFrom(signatureLoadModel) || invoke is null
                || invoke.GetParameters() is not [{ } only] || only.ParameterType != loadContext)
                throw Missing("delegate SignatureLoadModel(ModelLoadContext ctx)");
            // ML.NET finds a loader's static Create(IHostEnvironment, ModelLoadContext) through the catalog; the catalog is public.
            _ = FindMethod(typeof(ComponentCatalog), "RegisterAssembly", typeof(Assembly), typeof(bool));
            return members;
        }
    }
}
