using Dsno.Tests.MLNetInfrastructure;

namespace Dsno.Tests.Numerics;

/// <summary>
/// The CPU-numerics fix shown on a CPU with the fault, on any machine: Dsno.ModelHost runs in a copy of its folder whose libtorch
/// reports no cache sizes to oneDNN (<see cref="FaultyOneDnnEmulation"/>). With the route forced to plain oneDNN the gradient
/// cases and the pre-training self-check fail, as they did on the machines that showed the fault; with the default route they pass.
/// </summary>
public sealed class FaultyCpuTests : IClassFixture<FaultyCpuTests.EmulatedHost>
{
    /// <summary>The emulated program folder, made once for the class (a 460 MB copy of libtorch) and deleted after it.</summary>
    public sealed class EmulatedHost : IDisposable
    {
        private readonly TempFolder folder = new();

        public EmulatedHost()
        {
            var host = ModelHostRunner.HostPath();
            FaultyOneDnnEmulation.Create(Path.GetDirectoryName(host)!, folder.Path);
            HostPath = Path.Combine(folder.Path, Path.GetFileName(host));
        }

        public string HostPath { get; }

        internal BuiltProgram.Result Run(string route, params string[] arguments) =>
            BuiltProgram.Run(HostPath, TimeSpan.FromMinutes(4), new Dictionary<string, string?> { ["DSNO_CONVOLUTION"] = route }, arguments);

        public void Dispose() => folder.Dispose();
    }

    private static readonly string[] Cases =
    {
        "unet-quickstart-8x8-b8", "dsno-quickstart-m4-b4", "onestep-fashion16-16x16-b4", "resblock-32-64-16x16-b64",
    };

    private readonly EmulatedHost host;

    public FaultyCpuTests(EmulatedHost host) => this.host = host;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void WithoutTheFixTheUNetAndDsnoGradientsAreWrong(int threads)
    {
        var result = host.Run("onednn", new[] { "--numerics", "cases", threads.ToString() }.Concat(Cases).ToArray());
        Assert.True(result.ExitCode == 0, result.ToString());
        var errors = CaseErrors(result.StandardOutput);
        // The networks end in a 3x3 convolution to 1 channel: its input gradient, and so every gradient before it, is wrong.
        foreach (var name in new[] { "unet-quickstart-8x8-b8", "dsno-quickstart-m4-b4", "onestep-fashion16-16x16-b4" })
            Assert.True(!(errors[name] <= 100), $"{name}: error score {errors[name]} on the emulated faulty CPU without the fix\n{result}");
        // Aligned layers are right even there.
        Assert.True(errors["resblock-32-64-16x16-b64"] <= 1, result.ToString());
        Assert.Contains("WRONG", result.StandardOutput);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void WithTheDefaultRouteEveryCaseIsRight(int threads)
    {
        var result = host.Run("auto", new[] { "--numerics", "cases", threads.ToString() }.Concat(Cases).ToArray());
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("route ChannelPadded", result.StandardOutput);
        foreach (var (name, error) in CaseErrors(result.StandardOutput))
            Assert.True(error <= 1, $"{name}: error score {error} (1 = the limit)\n{result}");
        Assert.Equal(Cases.Length, CaseErrors(result.StandardOutput).Count);
    }

    [Fact]
    public void TheSelfCheckRefusesToTrainOnWrongGradientsAndPassesWithTheFix()
    {
        var refused = host.Run("onednn", "--numerics", "selfcheck", "2");
        Assert.True(refused.ExitCode == 3, refused.ToString());
        Assert.Contains("disagree with a float64 copy", refused.StandardOutput);
        Assert.Contains("DSNO_CONVOLUTION", refused.StandardOutput);

        var accepted = host.Run("auto", "--numerics", "selfcheck", "2");
        Assert.True(accepted.ExitCode == 0, accepted.ToString());
        Assert.Contains("ChannelPadded route", accepted.StandardOutput);
    }

    [Fact]
    public void TrainingOnTwoThreadsRepeatsExactlyOnTheFaultyCpu()
    {
        var first = host.Run("auto", "--numerics", "teacher", "2", "12");
        var second = host.Run("auto", "--numerics", "teacher", "2", "12");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("route ChannelPadded", first.StandardOutput);
        Assert.Equal(TeacherLine(first), TeacherLine(second));
    }

    internal static string TeacherLine(BuiltProgram.Result result) =>
        result.StandardOutput.Split('\n').Single(l => l.StartsWith("teacher loss ", StringComparison.Ordinal)).Trim();

    /// <summary>Each case's score: its worst tensor's error as a multiple of that tensor's limit.</summary>
    private static Dictionary<string, double> CaseErrors(string output) => output.Split('\n')
        .Where(l => l.StartsWith("case ", StringComparison.Ordinal))
        .Select(l => l.Split(' '))
        .ToDictionary(p => p[1], p => double.Parse(p[3], System.Globalization.CultureInfo.InvariantCulture));
}
