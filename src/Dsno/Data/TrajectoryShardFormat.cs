using System.Text;

namespace Dsno.Data;

/// <summary>
/// The on-disk layout of a trajectory shard. Header: "DSNOTRJ1", version, C, H, W, F, frame kind, class count, frame times (float64),
/// first index, count, seed, solver name, steps, guidance scale (float64; version 2 on, absent in version 1). Then fixed-size records: noise (C*H*W float32), frames (F*C*H*W float32), label
/// (int32, only with classes). Footer: FNV-1a 64 of the record bytes and "DSNOEND1". Little-endian throughout.
/// </summary>
internal static class TrajectoryShardFormat
{
    public static readonly byte[] Magic = "DSNOTRJ1"u8.ToArray();
    public static readonly byte[] EndMagic = "DSNOEND1"u8.ToArray();
    public const int Version = 2;
    public const int FooterSize = 16;
    private const int MaxSolverName = 64;
    private const int MaxFrames = 4096;

    public static long RecordSize(TrajectoryLayout layout) =>
        4L * layout.ImageSize * (1 + layout.FrameCount) + (layout.HasLabels ? 4 : 0);

    public static void WriteHeader(BinaryWriter w, TrajectoryLayout layout, TrajectoryShardInfo info)
    {
        w.Write(Magic);
        w.Write(Version);
        w.Write(layout.Channels); w.Write(layout.Height); w.Write(layout.Width);
        w.Write(layout.FrameCount); w.Write((int)layout.Kind); w.Write(layout.ClassCount);
        foreach (double t in layout.FrameTimes) w.Write(t);
        w.Write(info.FirstIndex); w.Write(info.Count); w.Write(info.Seed);
        var name = Encoding.UTF8.GetBytes(info.Solver);
        if (name.Length > MaxSolverName) throw new ArgumentException($"solver name '{info.Solver}' is too long");
        w.Write((ushort)name.Length); w.Write(name);
        w.Write(info.Steps);
        w.Write(info.Guidance);
    }

    /// <summary>Reads and bounds-checks a header; the reader is left at the first record.</summary>
    public static (TrajectoryLayout Layout, TrajectoryShardInfo Info) ReadHeader(BinaryReader r, string path)
    {
        try
        {
            if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic)) throw Bad(path, "not a Dsno trajectory shard (bad magic)");
            int version = r.ReadInt32();
            if (version is < 1 or > Version) throw Bad(path, $"unsupported shard version {version} (this build reads 1 to {Version})");
            int c = r.ReadInt32(), h = r.ReadInt32(), wd = r.ReadInt32(), f = r.ReadInt32(), kind = r.ReadInt32(), classes = r.ReadInt32();
            if (f < 2 || f > MaxFrames) throw Bad(path, $"frame count {f} out of range");
            if (kind is not (0 or 1)) throw Bad(path, $"unknown frame kind {kind}");
            var times = new double[f];
            for (int i = 0; i < f; i++) times[i] = r.ReadDouble();
            long first = r.ReadInt64(), count = r.ReadInt64();
            int seed = r.ReadInt32();
            int nameLength = r.ReadUInt16();
            if (nameLength > MaxSolverName) throw Bad(path, "solver name too long");
            string solver = Encoding.UTF8.GetString(r.ReadBytes(nameLength));
            int steps = r.ReadInt32();
            double guidance = version >= 2 ? r.ReadDouble() : 0;
            if (!double.IsFinite(guidance) || guidance < 0) throw Bad(path, $"bad guidance scale {guidance}");
            if (first < 0 || count < 0) throw Bad(path, $"bad record range {first} + {count}");
            TrajectoryLayout layout;
            try { layout = new TrajectoryLayout(c, h, wd, times, (FrameKind)kind, classes); }
            catch (ArgumentException e) { throw Bad(path, e.Message); }
            return (layout, new TrajectoryShardInfo(first, count, seed, solver, steps, guidance));
        }
        catch (EndOfStreamException) { throw Bad(path, "truncated header"); }
    }

    public static InvalidDataException Bad(string path, string problem) => new($"trajectory shard '{path}': {problem}");

    /// <summary>FNV-1a 64-bit over a span, continuing from <paramref name="hash"/>.</summary>
    public static ulong Fnv1a(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes) hash = unchecked((hash ^ b) * 0x100000001B3UL);
        return hash;
    }

    public const ulong FnvOffset = 0xCBF29CE484222325UL;
}
