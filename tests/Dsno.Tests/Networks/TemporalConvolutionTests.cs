using Dsno.Networks;
using TorchSharp;
using static Dsno.Tests.Networks.NetworkTestModels;
using static TorchSharp.torch;

namespace Dsno.Tests.Networks;

public class TemporalConvolutionTests
{
    private const int C = 3, B = 2, H = 2, W = 3;

    /// <summary>
    /// Independent reference: the truncated spectrum defines a real time-domain kernel through the irfft convention. irfft rebuilds
    /// the M-point signal from bins 0..M/2 by Hermitian completion, so bin j and its mirror M - j add up to
    /// (2/M) Re(Y_j e^{2 pi i j n / M}); DC (j = 0) and, for even M, Nyquist (j = M/2) are their own mirrors, count once, and only their
    /// real parts survive (irfft ignores their imaginary parts). With Y_j[o] = sum_i X_j[i] R[j, i, o] and X_j the DFT of x this is a
    /// circular convolution with k[tau, i, o] = sum_{j &lt; J} (c_j / M) (Re R cos(2 pi j tau / M) - Im R sin(2 pi j tau / M)),
    /// c_j = 1 for DC and Nyquist, 2 otherwise. (The sin term vanishes at DC and Nyquist, matching the dropped imaginary parts.)
    /// </summary>
    private static double[,,] Kernel(double[,,,] r, int m)
    {
        int j = r.GetLength(0), c = r.GetLength(1);
        var k = new double[m, c, c];
        for (int tau = 0; tau < m; tau++)
            for (int i = 0; i < c; i++)
                for (int o = 0; o < c; o++)
                {
                    double sum = 0;
                    for (int mode = 0; mode < j; mode++)
                    {
                        double weight = mode == 0 || 2 * mode == m ? 1.0 : 2.0;
                        double angle = 2 * Math.PI * mode * tau / m;
                        sum += weight / m * (r[mode, i, o, 0] * Math.Cos(angle) - r[mode, i, o, 1] * Math.Sin(angle));
                    }
                    k[tau, i, o] = sum;
                }
        return k;
    }

    /// <summary>x + leaky_relu(circular convolution over time), on flat [B*M, C, H, W] data in double precision.</summary>
    private static double[] Reference(float[] x, double[,,,] r, int m)
    {
        var k = Kernel(r, m);
        var result = new double[x.Length];
        int plane = H * W;
        for (int b = 0; b < B; b++)
            for (int t = 0; t < m; t++)
                for (int o = 0; o < C; o++)
                    for (int p = 0; p < plane; p++)
                    {
                        double y = 0;
                        for (int tau = 0; tau < m; tau++)
                            for (int i = 0; i < C; i++)
                            {
                                int source = ((t - tau) % m + m) % m;
                                y += k[tau, i, o] * x[((b * m + source) * C + i) * plane + p];
                            }
                        int index = ((b * m + t) * C + o) * plane + p;
                        result[index] = x[index] + (y >= 0 ? y : 0.01 * y);
                    }
        return result;
    }

    private static double[,,,] ReadWeight(TemporalConvolution layer)
    {
        var flat = layer.Weight.detach().cpu().to(ScalarType.Float64).data<double>().ToArray();
        int j = layer.Modes, c = layer.Channels;
        var r = new double[j, c, c, 2];
        Buffer.BlockCopy(flat, 0, r, 0, flat.Length * sizeof(double));
        return r;
    }

    [Theory]
    [InlineData(4, 2, TemporalMixingPath.Spectral)]
    [InlineData(8, 4, TemporalMixingPath.Spectral)]
    [InlineData(8, 5, TemporalMixingPath.Spectral)]
    [InlineData(5, 3, TemporalMixingPath.Spectral)]
    [InlineData(4, 2, TemporalMixingPath.TimeDomain)]
    [InlineData(8, 4, TemporalMixingPath.TimeDomain)]
    [InlineData(8, 5, TemporalMixingPath.TimeDomain)]
    [InlineData(5, 3, TemporalMixingPath.TimeDomain)]
    [InlineData(2, 1, TemporalMixingPath.TimeDomain)]
    [InlineData(2, 2, TemporalMixingPath.TimeDomain)]
    [InlineData(6, 4, TemporalMixingPath.TimeDomain)]
    public void MatchesDirectCircularConvolutionOfTheTruncatedSpectrum(int m, int j, TemporalMixingPath path)
    {
        torch.manual_seed(11 + m + j);
        using var layer = new TemporalConvolution(C, j) { Path = path };
        using (torch.no_grad()) layer.Weight.uniform_(-1.0, 1.0); // large weights so that the spectral branch dominates
        using var x = torch.randn(B * m, C, H, W);
        using var output = layer.forward(x, m);

        var expected = Reference(x.data<float>().ToArray(), ReadWeight(layer), m);
        var actual = output.data<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst < 1e-5, $"max deviation {worst:E3} from the direct computation (M = {m}, J = {j})");
        double branch = expected.Zip(x.data<float>().ToArray(), (e, a) => Math.Abs(e - a)).Max();
        Assert.True(branch > 0.1, "the spectral branch should change the input noticeably");
    }

    [Theory]
    [InlineData(TemporalMixingPath.Spectral)]
    [InlineData(TemporalMixingPath.TimeDomain)]
    public void TheSameLayerRunsAtAnotherNumberOfTimePoints(TemporalMixingPath path)
    {
        torch.manual_seed(5);
        using var layer = new TemporalConvolution(C, 2) { Path = path }; // J = 2 as trained at M = 4
        using (torch.no_grad()) layer.Weight.uniform_(-1.0, 1.0);
        foreach (int m in new[] { 4, 6, 8, 2, 3, 7 })
        {
            using var x = torch.randn(B * m, C, H, W);
            using var output = layer.forward(x, m);
            var expected = Reference(x.data<float>().ToArray(), ReadWeight(layer), m);
            double worst = expected.Zip(output.data<float>().ToArray(), (e, a) => Math.Abs(e - a)).Max();
            Assert.True(worst < 1e-5, $"M' = {m}: max deviation {worst:E3}");
        }
    }

    [Theory]
    [InlineData(TemporalMixingPath.Spectral)]
    [InlineData(TemporalMixingPath.TimeDomain)]
    public void ZeroWeightIsExactIdentity(TemporalMixingPath path)
    {
        torch.manual_seed(3);
        using var layer = new TemporalConvolution(C, 2) { Path = path };
        using (torch.no_grad()) layer.Weight.zero_();
        using var x = torch.randn(B * 4, C, H, W);
        using var output = layer.forward(x, 4);
        Assert.True(x.eq(output).all().item<bool>(), "zero spectral weight must give back the input bit for bit");
    }

    [Fact]
    public void InitialisationIsTheAuthorsNearIdentityUniform()
    {
        torch.manual_seed(9);
        const int channels = 8;
        using var layer = new TemporalConvolution(channels, 3);
        Assert.Equal(new long[] { 3, channels, channels, 2 }, layer.Weight.shape);
        double min = layer.Weight.min().item<float>(), max = layer.Weight.max().item<float>();
        Assert.True(min >= 0 && max < 1.0 / (channels * channels), $"weights in [{min}, {max}]");
        Assert.True(max > 0.5 / (channels * channels), "weights should fill the range [0, 1/C^2)");
        Assert.Equal(3L * channels * channels * 2, layer.ParameterCount);
        Assert.Equal(new long[] { 3, channels, channels }, layer.ComplexWeight.shape);
    }

    [Theory]
    [InlineData(4, 2, TemporalMixingPath.Spectral)]
    [InlineData(4, 2, TemporalMixingPath.TimeDomain)]
    [InlineData(6, 4, TemporalMixingPath.TimeDomain)] // Nyquist bin kept
    [InlineData(5, 3, TemporalMixingPath.TimeDomain)]
    [InlineData(3, 1, TemporalMixingPath.TimeDomain)] // DC only
    public void GradientsMatchCentralFiniteDifferencesInFloat64(int m, int j, TemporalMixingPath path)
    {
        torch.manual_seed(21 + m + j);
        using var layer = new TemporalConvolution(C, j) { Path = path };
        layer.to(ScalarType.Float64);
        using (torch.no_grad()) layer.Weight.uniform_(-1.0, 1.0);
        using var x = torch.randn(B * m, C, H, W, dtype: ScalarType.Float64).requires_grad_(true);
        using var probe = torch.randn(B * m, C, H, W, dtype: ScalarType.Float64);

        double Loss() { using var _ = torch.no_grad(); using var o = layer.forward(x, m); using var s = (o * probe).sum(); return s.item<double>(); }

        using (var loss = (layer.forward(x, m) * probe).sum()) loss.backward();
        var inputGrad = x.grad!.clone();
        var weightGrad = layer.Weight.grad!.clone();
        Assert.Equal(ScalarType.Float64, weightGrad.dtype);

        const double eps = 1e-6;
        var rng = new Random(4);
        foreach (var (tensor, grad) in new[] { (x, inputGrad), ((Tensor)layer.Weight, weightGrad) })
        {
            var flatTensor = tensor.detach().view(-1); // shares storage
            var flatGrad = grad.view(-1);
            for (int trial = 0; trial < 8; trial++)
            {
                long index = rng.NextInt64(flatTensor.shape[0]);
                double original = flatTensor[index].item<double>();
                using (torch.no_grad()) flatTensor[index] = original + eps;
                double plus = Loss();
                using (torch.no_grad()) flatTensor[index] = original - eps;
                double minus = Loss();
                using (torch.no_grad()) flatTensor[index] = original;
                double numeric = (plus - minus) / (2 * eps);
                double analytic = flatGrad[index].item<double>();
                Assert.True(Math.Abs(numeric - analytic) < 1e-6 * Math.Max(1, Math.Abs(numeric)),
                    $"entry {index}: finite difference {numeric}, autograd {analytic}");
            }
        }
    }

    [Fact]
    public void TooManyModesForTheTimePointsIsRejected()
    {
        using var layer = new TemporalConvolution(C, 4);
        using var x = torch.randn(2 * 4, C, H, W);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => layer.forward(x, 4)); // J = 4 > 4/2 + 1
        Assert.Contains("J = 4", error.Message);
        Assert.Contains("M = 4", error.Message);
        using var ok = layer.forward(torch.randn(2 * 6, C, H, W), 6); // 4 <= 6/2 + 1
        Assert.Equal(new long[] { 12, C, H, W }, ok.shape);
    }

    [Fact]
    public void FewerThanTwoTimePointsIsRejected()
    {
        using var layer = new TemporalConvolution(C, 1);
        using var x = torch.randn(3, C, H, W);
        Assert.Throws<ArgumentOutOfRangeException>(() => layer.forward(x, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => layer.forward(x, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TemporalConvolution.DefaultModes(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TemporalConvolution(C, 0));
        Assert.Throws<ArgumentException>(() => layer.forward(torch.randn(3, C, H, W), 2)); // 3 rows are not B * 2
    }

    [Theory]
    [InlineData(4, 2)]
    [InlineData(4, 3)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(7, 4)]
    [InlineData(8, 5)]
    [InlineData(16, 8)]
    [InlineData(33, 17)]
    public void TimeDomainPathEqualsTheFftPath(int m, int j)
    {
        torch.manual_seed(31 + m + j);
        const int channels = 5;
        using var layer = new TemporalConvolution(channels, j);
        using (torch.no_grad()) layer.Weight.uniform_(-1.0, 1.0);
        using var x = torch.randn(3 * m, channels, 2, 2);
        using var _ = torch.no_grad();
        layer.Path = TemporalMixingPath.Spectral;
        using var spectral = layer.forward(x, m);
        layer.Path = TemporalMixingPath.TimeDomain;
        using var timeDomain = layer.forward(x, m);
        using var again = layer.forward(x, m); // from the cached mixing blocks
        double scale = Math.Max(1.0, spectral.abs().max().item<float>());
        Assert.True(MaxAbsDifference(spectral, timeDomain) < 1e-5 * scale, $"M = {m}, J = {j}: {MaxAbsDifference(spectral, timeDomain):E3}");
        Assert.True(Identical(timeDomain, again), "a cached call must repeat the first one exactly");
        Assert.True(MaxAbsDifference(spectral, x) > 0.1, "the spectral branch should change the input noticeably");
    }

    [Fact]
    public void BothPathsGiveTheSameGradients()
    {
        torch.manual_seed(41);
        const int m = 4;
        using var layer = new TemporalConvolution(C, 2);
        using (torch.no_grad()) layer.Weight.uniform_(-1.0, 1.0);
        using var input = torch.randn(B * m, C, H, W);
        using var probe = torch.randn(B * m, C, H, W);
        (Tensor Input, Tensor Weight) Gradients(TemporalMixingPath path)
        {
            layer.Path = path;
            layer.zero_grad();
            using var x = input.clone().requires_grad_(true);
            using (var loss = (layer.forward(x, m) * probe).sum()) loss.backward();
            return (x.grad!.clone(), layer.Weight.grad!.clone());
        }
        var (inputSpectral, weightSpectral) = Gradients(TemporalMixingPath.Spectral);
        var (inputTime, weightTime) = Gradients(TemporalMixingPath.TimeDomain);
        Assert.True(MaxAbsDifference(inputSpectral, inputTime) < 1e-4, $"input gradients differ by {MaxAbsDifference(inputSpectral, inputTime):E3}");
        Assert.True(MaxAbsDifference(weightSpectral, weightTime) < 1e-4, $"weight gradients differ by {MaxAbsDifference(weightSpectral, weightTime):E3}");
        Assert.True(weightTime.abs().max().item<float>() > 0.1, "the weight gradient should not vanish");
    }

    [Fact]
    public void CachedMixingFollowsAnOptimizerStep()
    {
        torch.manual_seed(43);
        const int m = 4;
        using var layer = new TemporalConvolution(C, 2) { Path = TemporalMixingPath.TimeDomain };
        using (torch.no_grad()) layer.Weight.uniform_(-1.0, 1.0);
        using var x = torch.randn(B * m, C, H, W);
        using var target = torch.randn(B * m, C, H, W);
        Tensor Inference() { using var _ = torch.no_grad(); return layer.forward(x, m); }
        using var before = Inference(); // fills the cache

        using var optimizer = new Dsno.Training.ScalarSafeAdam(layer.parameters(), lr: 0.05);
        optimizer.zero_grad();
        using (var loss = (layer.forward(x, m) - target).Squared().mean()) loss.backward();
        optimizer.step();

        using var after = Inference();
        layer.Path = TemporalMixingPath.Spectral;
        using var reference = Inference();
        Assert.True(MaxAbsDifference(before, after) > 1e-3, "the step should change the output");
        Assert.True(MaxAbsDifference(after, reference) < 1e-5, $"stale cache: {MaxAbsDifference(after, reference):E3} from the FFT path after the step");
    }

    [Fact]
    public void CachedMixingFollowsDirectWeightEditsAndDtypeChanges()
    {
        torch.manual_seed(47);
        const int m = 6;
        using var layer = new TemporalConvolution(C, 3) { Path = TemporalMixingPath.TimeDomain };
        using var x = torch.randn(B * m, C, H, W);
        using var _ = torch.no_grad();
        foreach (var edit in new Action[]
        {
            () => layer.Weight.uniform_(-1.0, 1.0),
            () => layer.Weight.mul_(Scalars.Of(-0.5)),
            () => layer.Weight[1, 0, 2, 1] = torch.tensor(3.0f), // one entry
            () => layer.Weight.copy_(torch.rand(layer.Weight.shape)),
        })
        {
            layer.forward(x, m).Dispose(); // cache the current weight
            edit();
            using var cached = layer.forward(x, m);
            layer.Path = TemporalMixingPath.Spectral;
            using var reference = layer.forward(x, m);
            layer.Path = TemporalMixingPath.TimeDomain;
            Assert.True(MaxAbsDifference(cached, reference) < 1e-5, $"stale cache after an in-place edit: {MaxAbsDifference(cached, reference):E3}");
        }

        layer.to(ScalarType.Float64);
        using var x64 = x.to(ScalarType.Float64);
        using var output64 = layer.forward(x64, m);
        Assert.Equal(ScalarType.Float64, output64.dtype);
        layer.Path = TemporalMixingPath.Spectral;
        using var reference64 = layer.forward(x64, m);
        Assert.True((output64 - reference64).abs().max().item<double>() < 1e-12, "float64 results should agree to float64 rounding");
    }

    [Fact]
    public void AutoTakesTheTimeDomainPathUpToTheLimit()
    {
        using var layer = new TemporalConvolution(C, 2);
        Assert.Equal(TemporalMixingPath.Auto, layer.Path);
        Assert.True(layer.UsesTimeDomain(4));
        Assert.True(layer.UsesTimeDomain(TemporalConvolution.TimeDomainMaxPoints));
        Assert.False(layer.UsesTimeDomain(TemporalConvolution.TimeDomainMaxPoints + 1));
        layer.Path = TemporalMixingPath.Spectral;
        Assert.False(layer.UsesTimeDomain(4));
        layer.Path = TemporalMixingPath.TimeDomain;
        Assert.True(layer.UsesTimeDomain(TemporalConvolution.TimeDomainMaxPoints + 1));
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 2)]
    [InlineData(5, 3)]
    [InlineData(8, 4)]
    public void DefaultModesDropTheNyquistBin(int m, int expected)
    {
        Assert.Equal(expected, TemporalConvolution.DefaultModes(m));
        Assert.True(expected <= TemporalConvolution.MaxModes(m));
    }
}
