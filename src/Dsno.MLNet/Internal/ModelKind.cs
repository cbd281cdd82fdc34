namespace Dsno.MLNet.Internal;

/// <summary>
/// How ML.NET identifies one transformer's sub-models: an 8-character model signature, the loader signature that
/// <see cref="ModelLoaderRegistry"/> maps to the transformer type, and a format version.
/// </summary>
/// <param name="ModelSignature">Exactly 8 characters below U+0100 (spaces allowed), for example <c>"DSNOTRNS"</c>.</param>
/// <param name="LoaderSignature">1 to 24 printable ASCII characters, unique in the process.</param>
/// <param name="Version">The version this code writes. Bump it when the saved layout or options change.</param>
/// <param name="OldestReadableVersion">The oldest written version this code can still read (defaults to <paramref name="Version"/>).</param>
internal sealed record ModelKind(string ModelSignature, string LoaderSignature, uint Version, uint OldestReadableVersion)
{
    /// <summary>A kind that reads only what it writes.</summary>
    public ModelKind(string modelSignature, string loaderSignature, uint version)
        : this(modelSignature, loaderSignature, version, version)
    {
    }

    /// <summary>The boxed ML.NET <c>VersionInfo</c> for this kind, naming the in-memory loader assembly.</summary>
    internal object ToVersionInfo()
    {
        if (OldestReadableVersion > Version)
            throw new ArgumentException($"OldestReadableVersion {OldestReadableVersion} is newer than Version {Version}.");
        return MlNetInternals.CreateVersionInfo(ModelSignature, Version, Version, OldestReadableVersion,
            ModelLoaderRegistry.LoaderAssemblyName, LoaderSignature);
    }
}
