using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Dsno.Tests.Lint;

/// <summary>
/// Which methods of TorchSharp.dll make a Scalar themselves (call <c>Scalar.op_Implicit</c> or <c>ToScalar</c>), directly or
/// through other TorchSharp methods and lambdas, read from their IL. Such a Scalar is garbage during the native call it is made for.
/// </summary>
internal sealed class TorchSharpScalarCreators : IDisposable
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue =
        typeof(OpCodes).GetFields().Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    private readonly PEReader pe;
    private readonly MetadataReader metadata;
    private readonly Dictionary<int, string?> chains = new();

    public TorchSharpScalarCreators(string torchSharpPath)
    {
        pe = new PEReader(File.OpenRead(torchSharpPath));
        metadata = pe.GetMetadataReader();
    }

    /// <summary>Null when the method with metadata token <paramref name="token"/> makes no Scalar; else the call chain that does.</summary>
    public string? Chain(int token) =>
        (token >> 24) == 0x06 ? Chain(MetadataTokens.MethodDefinitionHandle(token & 0xFFFFFF), new HashSet<int>()) : null;

    private string? Chain(MethodDefinitionHandle method, HashSet<int> onStack)
    {
        int key = MetadataTokens.GetToken(method);
        if (chains.TryGetValue(key, out var known)) return known;
        if (!onStack.Add(key)) return null;
        string? found = null;
        foreach (var callee in Callees(method))
        {
            string name = Name(callee);
            if (name is "Scalar.op_Implicit" or "ScalarExtensionMethods.ToScalar") { found = $"{Name(method)} -> {name}"; break; }
            if (Chain(callee, onStack) is { } deeper) { found = $"{Name(method)} -> {deeper}"; break; }
        }
        onStack.Remove(key);
        chains[key] = found;
        return found;
    }

    private string Name(MethodDefinitionHandle handle)
    {
        var method = metadata.GetMethodDefinition(handle);
        return metadata.GetString(metadata.GetTypeDefinition(method.GetDeclaringType()).Name) + "." + metadata.GetString(method.Name);
    }

    /// <summary>TorchSharp methods that <paramref name="method"/> calls or takes a delegate to (call, callvirt, newobj, ldftn).</summary>
    private IEnumerable<MethodDefinitionHandle> Callees(MethodDefinitionHandle method)
    {
        var definition = metadata.GetMethodDefinition(method);
        if (definition.RelativeVirtualAddress == 0) yield break;
        byte[] il = pe.GetMethodBody(definition.RelativeVirtualAddress).GetILBytes()!;
        for (int i = 0; i < il.Length;)
        {
            bool twoBytes = il[i] == 0xFE;
            var op = OpCodesByValue[twoBytes ? unchecked((short)(0xFE00 | il[i + 1])) : il[i]];
            i += twoBytes ? 2 : 1;
            if (op.OperandType == OperandType.InlineMethod)
            {
                var handle = MetadataTokens.EntityHandle(BitConverter.ToInt32(il, i));
                if (handle.Kind == HandleKind.MethodSpecification)
                    handle = metadata.GetMethodSpecification((MethodSpecificationHandle)handle).Method;
                if (handle.Kind == HandleKind.MethodDefinition) yield return (MethodDefinitionHandle)handle;
            }
            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
    }

    public void Dispose() => pe.Dispose();
}
