using System.Runtime.InteropServices;

namespace Dsno.Runtime;

/// <summary>
/// The few switches and facts of libtorch's global <c>at::Context</c> that TorchSharp does not expose: whether convolutions may
/// use oneDNN (mkldnn) and NNPACK, and the build's version strings. Reached through symbols that <c>libtorch_cpu</c> exports.
/// </summary>
internal static partial class LibTorchContext
{
    private const string Library = "libtorch_cpu";

    [LibraryImport(Library, EntryPoint = "_ZN2at13globalContextEv")]
    private static partial IntPtr GlobalContext();

    [LibraryImport(Library, EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static partial bool UserEnabledMkldnn(IntPtr context);

    [LibraryImport(Library, EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static partial void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [LibraryImport(Library, EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static partial void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    // std::string-returning functions (C++11 ABI): the caller passes the 32-byte result object as a hidden first argument.
    [LibraryImport(Library, EntryPoint = "_ZN2at18get_mkldnn_versionB5cxx11Ev")]
    private static partial void GetMkldnnVersion(IntPtr result);

    [LibraryImport(Library, EntryPoint = "_ZN2at15get_mkl_versionB5cxx11Ev")]
    private static partial void GetMklVersion(IntPtr result);

    [LibraryImport(Library, EntryPoint = "_ZN2at3cpu14L1d_cache_sizeEv")]
    private static partial uint L1dCacheSize();

    [LibraryImport(Library, EntryPoint = "_ZN2at3cpu13L2_cache_sizeEv")]
    private static partial uint L2CacheSize();

    /// <summary>
    /// Whether libtorch may run convolutions on oneDNN. Off, it uses its own (slower) kernels; NNPACK is switched off with it, since
    /// libtorch would otherwise try NNPACK first and log a warning for every convolution on CPUs it does not support.
    /// </summary>
    public static bool OneDnnEnabled
    {
        get
        {
            EnsureTorchLoaded();
            return UserEnabledMkldnn(GlobalContext());
        }
        set
        {
            EnsureTorchLoaded();
            var context = GlobalContext();
            SetUserEnabledMkldnn(context, value);
            if (!value) SetUserEnabledNnpack(context, false);
        }
    }

    /// <summary>The oneDNN version libtorch was built with, as libtorch reports it.</summary>
    public static string OneDnnVersion => ReadString(GetMkldnnVersion);

    /// <summary>The Intel MKL version libtorch was built with, as libtorch reports it.</summary>
    public static string MklVersion => ReadString(GetMklVersion);

    /// <summary>The L1 data and L2 cache sizes in bytes that libtorch's cpuinfo reads from the CPU (0 when the CPU reports none).</summary>
    public static (long L1Data, long L2) CacheSizes
    {
        get
        {
            EnsureTorchLoaded();
            return (L1dCacheSize(), L2CacheSize());
        }
    }

    private static void EnsureTorchLoaded() => torch.get_num_threads();

    private static string ReadString(Action<IntPtr> function)
    {
        EnsureTorchLoaded();
        // Layout of libstdc++'s std::string: data pointer, length, then 16 bytes of inline buffer or the capacity.
        IntPtr result = Marshal.AllocHGlobal(32);
        try
        {
            function(result);
            IntPtr data = Marshal.ReadIntPtr(result);
            long length = Marshal.ReadInt64(result, 8);
            string text = length > 0 && length < 4096 ? Marshal.PtrToStringUTF8(data, (int)length) : string.Empty;
            // A string longer than 15 bytes owns a heap block that only libstdc++ can free: left, as this runs once, for diagnostics.
            return text;
        }
        finally
        {
            Marshal.FreeHGlobal(result);
        }
    }
}
