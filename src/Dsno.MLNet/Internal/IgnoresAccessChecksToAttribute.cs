namespace System.Runtime.CompilerServices;

/// <summary>
/// Tells the runtime that the assembly carrying it may use the internals of the named assembly. The runtime recognises the
/// attribute by its full name on the accessing assembly; it is declared here (internal) for the in-memory loader shim
/// (<see cref="Dsno.MLNet.Internal.ModelLoaderRegistry"/>) to apply. C# code does not use it.
/// </summary>
/// <param name="assemblyName">Names the assembly whose internals may be used.</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
internal sealed class IgnoresAccessChecksToAttribute(string assemblyName) : Attribute
{
    /// <summary>The simple name of the assembly whose internals may be used.</summary>
    public string AssemblyName { get; } = assemblyName;
}
