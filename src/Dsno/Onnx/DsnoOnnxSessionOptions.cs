namespace Dsno.Onnx;

/// <summary>Options of <see cref="DsnoOnnxSession"/>.</summary>
public sealed class DsnoOnnxSessionOptions
{
    /// <summary>
    /// Where the model runs: <c>"cpu"</c> (default) or <c>"cuda"</c> / <c>"cuda:N"</c> for GPU N. CUDA needs the app to be built with
    /// <c>-p:OnnxRuntimeBackend=cuda</c>, which ships ONNX Runtime's CUDA build (Microsoft.ML.OnnxRuntime.Gpu.Linux) instead of the CPU one.
    /// </summary>
    public string Device { get; set; } = "cpu";

    /// <summary>Threads of ONNX Runtime's intra-operator pool; 0 (default) lets ONNX Runtime choose (one per core).</summary>
    public int IntraOpThreads { get; set; }
}
