using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Dsno.Tests.Numerics;

/// <summary>
/// Makes any machine behave like the CPUs on which libtorch's oneDNN computes wrong convolution input gradients, so that the
/// workaround can be shown to be needed and to work everywhere. Those CPUs report no cache sizes; here a copy of a built
/// program's folder gets a <c>libtorch_cpu.so</c> in which oneDNN's <c>dnnl::impl::cpu::platform::get_per_core_cache_size</c>
/// returns 0, which reproduces their errors (input-gradient errors near 1, or NaN, for 3x3 convolutions with an output channel
/// count that is not a multiple of the vector width). Nothing outside the copy is changed.
/// </summary>
internal static class FaultyOneDnnEmulation
{
    private const string Library = "libtorch_cpu.so";
    private const string Symbol = "_ZN4dnnl4impl3cpu8platform23get_per_core_cache_sizeEi";
    private static readonly byte[] EndBranch = { 0xF3, 0x0F, 0x1E, 0xFA };
    private static readonly byte[] ReturnZero = { 0x31, 0xC0, 0xC3 }; // xor eax, eax; ret

    /// <summary>
    /// Copies <paramref name="programFolder"/> into <paramref name="target"/> (hard links where possible, a real copy for libtorch)
    /// and patches the copy's libtorch. Throws when the library or the symbol is not where this libtorch build has it.
    /// </summary>
    public static void Create(string programFolder, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(programFolder, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(programFolder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            if (Path.GetFileName(file) == Library || link(file, destination) != 0) File.Copy(file, destination, overwrite: true);
        }
        var library = Path.Combine(target, Library);
        if (!File.Exists(library)) throw new FileNotFoundException($"{Library} is not in {programFolder}", library);
        long offset = FunctionOffset(library, Symbol);
        using var stream = new FileStream(library, FileMode.Open, FileAccess.ReadWrite);
        var head = new byte[4];
        stream.Position = offset;
        stream.ReadExactly(head);
        stream.Position = head.AsSpan().SequenceEqual(EndBranch) ? offset + 4 : offset;
        stream.Write(ReturnZero);
    }

    /// <summary>The file offset of the code of the local or global function <paramref name="name"/> (from .symtab).</summary>
    private static long FunctionOffset(string path, string name)
    {
        using var stream = File.OpenRead(path);
        var header = Read(stream, 0, 64);
        if (!header.AsSpan(0, 4).SequenceEqual(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }) || header[4] != 2 || header[5] != 1)
            throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file");
        long sectionTable = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(0x28));
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x3A));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x3C));
        var sections = Enumerable.Range(0, count).Select(i => Section.Parse(Read(stream, sectionTable + (long)i * entrySize, 64))).ToArray();

        var symbols = sections.FirstOrDefault(s => s.Type == 2) ?? throw new InvalidDataException($"{path} has no symbol table (stripped)");
        var names = Read(stream, sections[symbols.Link].Offset, (int)sections[symbols.Link].Size);
        var table = Read(stream, symbols.Offset, (int)symbols.Size);
        var wanted = Encoding.ASCII.GetBytes(name + "\0");
        for (int at = 0; at + 24 <= table.Length; at += 24)
        {
            int nameOffset = (int)BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(at));
            if (nameOffset + wanted.Length > names.Length || !names.AsSpan(nameOffset, wanted.Length).SequenceEqual(wanted)) continue;
            long address = BinaryPrimitives.ReadInt64LittleEndian(table.AsSpan(at + 8));
            var code = sections.First(s => s.Type == 1 && address >= s.Address && address < s.Address + s.Size);
            return address - code.Address + code.Offset;
        }
        throw new InvalidDataException($"{name} is not in {path}'s symbol table: this libtorch build differs from 2.10.0's");
    }

    private static byte[] Read(FileStream stream, long offset, int length)
    {
        var buffer = new byte[length];
        stream.Position = offset;
        stream.ReadExactly(buffer);
        return buffer;
    }

    private sealed record Section(uint Type, long Address, long Offset, long Size, int Link)
    {
        public static Section Parse(byte[] b) => new(
            BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(4)),
            BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(16)),
            BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(24)),
            BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(32)),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(40)));
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int link(string existing, string created);
}
