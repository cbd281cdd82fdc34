using System.Buffers.Binary;
using System.Text;

namespace Dsno.Runtime;

/// <summary>
/// Edits the version-need table (<c>SHT_GNU_verneed</c>) of a 64-bit little-endian ELF shared object. Used only by
/// <see cref="LibTorchLoader"/>; offsets follow the System V gABI and the LSB's symbol versioning chapter.
/// </summary>
internal static class ElfVersionNeeds
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>
    /// Sets the weak flag on every version-need entry named <paramref name="version"/>. Returns true when the file was changed.
    /// The new content is written beside the file and renamed over it.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static bool MarkWeak(string path, string version)
    {
        byte[] image = File.ReadAllBytes(path);
        var offsets = FindEntries(image, version, onlyStrong: true);
        if (offsets.Count == 0) return false;
        foreach (int flagsOffset in offsets)
        {
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(flagsOffset));
            BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(flagsOffset), (ushort)(flags | VerFlgWeak));
        }
        using var file = new AtomicFile(path);
        file.Stream.Write(image);
        File.SetUnixFileMode(file.TemporaryPath, File.GetUnixFileMode(path));
        file.Commit();
        return true;
    }

    /// <summary>True when the file has a version-need entry named <paramref name="version"/> that is weak.</summary>
    public static bool IsWeak(string path, string version)
    {
        byte[] image = File.ReadAllBytes(path);
        return FindEntries(image, version, onlyStrong: false)
            .Any(o => (BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(o)) & VerFlgWeak) != 0);
    }

    /// <summary>File offsets of the <c>vna_flags</c> fields of the matching <c>Elf64_Vernaux</c> entries.</summary>
    private static List<int> FindEntries(byte[] f, string version, bool onlyStrong)
    {
        if (f.Length < 64 || f[0] != 0x7f || f[1] != (byte)'E' || f[2] != (byte)'L' || f[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (f[4] != 2 || f[5] != 1) throw new InvalidDataException("not a 64-bit little-endian ELF file");

        long shoff = ReadI64(f, 0x28);
        int shentsize = ReadU16(f, 0x3A), shnum = ReadU16(f, 0x3C);
        if (shentsize < 0x40 || shoff < 0 || shoff + (long)shnum * shentsize > f.Length)
            throw new InvalidDataException("section header table out of bounds");

        var found = new List<int>();
        for (int i = 0; i < shnum; i++)
        {
            int sh = checked((int)(shoff + (long)i * shentsize));
            if (ReadU32(f, sh + 4) != ShtGnuVerneed) continue;
            int tableOffset = checked((int)ReadI64(f, sh + 0x18));
            int link = (int)ReadU32(f, sh + 0x28);
            if (link >= shnum) throw new InvalidDataException("verneed string table index out of range");
            int strtab = checked((int)ReadI64(f, checked((int)(shoff + (long)link * shentsize)) + 0x18));

            int vn = tableOffset;
            for (int guard = 0; guard < 4096; guard++)
            {
                int count = ReadU16(f, vn + 2);
                int aux = vn + (int)ReadU32(f, vn + 8);
                uint next = ReadU32(f, vn + 12);
                for (int k = 0; k < count; k++)
                {
                    ushort flags = ReadU16(f, aux + 4);
                    string name = ReadString(f, strtab + (int)ReadU32(f, aux + 8));
                    if (name == version && (!onlyStrong || (flags & VerFlgWeak) == 0)) found.Add(aux + 4);
                    uint auxNext = ReadU32(f, aux + 12);
                    if (auxNext == 0) break;
                    aux += (int)auxNext;
                }
                if (next == 0) break;
                vn += (int)next;
            }
        }
        return found;
    }

    private static void Check(byte[] f, int offset, int size)
    {
        if (offset < 0 || offset + size > f.Length) throw new InvalidDataException($"ELF read at {offset} out of bounds");
    }

    private static ushort ReadU16(byte[] f, int o) { Check(f, o, 2); return BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(o)); }
    private static uint ReadU32(byte[] f, int o) { Check(f, o, 4); return BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(o)); }
    private static long ReadI64(byte[] f, int o) { Check(f, o, 8); return BinaryPrimitives.ReadInt64LittleEndian(f.AsSpan(o)); }

    private static string ReadString(byte[] f, int o)
    {
        Check(f, o, 1);
        int end = Array.IndexOf(f, (byte)0, o);
        if (end < 0) throw new InvalidDataException("unterminated ELF string");
        return Encoding.ASCII.GetString(f, o, end - o);
    }
}
