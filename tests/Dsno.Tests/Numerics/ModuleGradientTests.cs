using TorchSharp;

namespace Dsno.Tests.Numerics;

/// <summary>
/// Every module the project trains, at the shapes of the defaults and the benchmarks: float32 gradients (parameters and, for the
/// blocks, the input) within 1e-4 of a float64 copy's, at 1 and at 2 torch threads, each twice. On a CPU whose oneDNN is wrong
/// these fail without the convolution routing of <see cref="Runtime.CpuNumerics"/> (shown on any CPU by <see cref="FaultyCpuTests"/>).
/// </summary>
public sealed class ModuleGradientTests
{
    public static TheoryData<string> Cases => new(ModuleGradientCases.All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float32GradientsMatchFloat64AtOneAndTwoThreads(string name)
    {
        var c = ModuleGradientCases.Get(name);
        int threadsBefore = torch.get_num_threads();
        try
        {
            using var module = c.Build();
            using var copy = ModuleGradientCases.Float64Copy(c, module);
            var reference = ModuleGradientCases.Gradients(c, copy);
            foreach (int repeat in new[] { 1, 2 })
                foreach (int threads in new[] { 1, 2 })
                {
                    torch.set_num_threads(threads);
                    var (score, error, where) = ModuleGradientCases.Compare(c, ModuleGradientCases.Gradients(c, module), reference);
                    Assert.True(score <= 1,
                        $"{name}, {threads} thread(s), run {repeat}: relative gradient error {error:G3} in {where} (route {Runtime.CpuNumerics.Route})");
                }
        }
        finally
        {
            torch.set_num_threads(threadsBefore);
        }
    }
}
