using Dsno.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.Tests.Training;

public class TrajectoryLossTests
{
    private static (Tensor Predicted, Tensor Target, double[,,] Difference) Frames()
    {
        // [B = 2, F = 2, 1, 2, 2], float64, with one frame almost right (the pseudo-Huber's quadratic part) and one far off.
        var predicted = torch.tensor(new double[] { 0.1, -0.2, 0.3, 0.4, 0.001, 0.002, -0.001, 0.0, -0.5, 0.5, 0.25, -0.25, 0.0005, 0.0, 0.0, -0.003 },
            dtype: ScalarType.Float64).reshape(2, 2, 1, 2, 2).requires_grad_(true);
        var target = torch.zeros(new long[] { 2, 2, 1, 2, 2 }, dtype: ScalarType.Float64);
        var d = new double[2, 2, 4];
        var flat = predicted.detach().reshape(2, 2, 4);
        for (int b = 0; b < 2; b++)
            for (int f = 0; f < 2; f++)
                for (int k = 0; k < 4; k++) d[b, f, k] = flat[b, f, k].item<double>();
        return (predicted, target, d);
    }

    [Fact]
    public void EachDistanceHasItsValueAndGradient()
    {
        using var scope = torch.NewDisposeScope();
        double[] weights = { 1, 3 };
        double c = TrajectoryLoss.PseudoHuberScale * Math.Sqrt(4);
        foreach (var distance in Enum.GetValues<TrajectoryDistance>())
        {
            var (predicted, target, d) = Frames();
            var loss = TrajectoryLoss.Compute(predicted, target, weights, distance);
            loss.backward();
            var grad = predicted.grad!.reshape(2, 2, 4);
            // In plain doubles: loss = mean over frames f of w_f * (mean over the batch of the frame distance).
            double expected = 0;
            for (int f = 0; f < 2; f++)
            {
                double perFrame = 0;
                for (int b = 0; b < 2; b++)
                {
                    double norm2 = 0, abs = 0;
                    for (int k = 0; k < 4; k++) { norm2 += d[b, f, k] * d[b, f, k]; abs += Math.Abs(d[b, f, k]); }
                    perFrame += distance switch
                    {
                        TrajectoryDistance.L1 => abs / 4,
                        TrajectoryDistance.L2 => norm2 / 4,
                        _ => (Math.Sqrt(norm2 + c * c) - c) / 2,
                    };
                    for (int k = 0; k < 4; k++)
                    {
                        // d loss / d d_k = w_f / F / B * d(distance)/d d_k
                        double inner = distance switch
                        {
                            TrajectoryDistance.L1 => Math.Sign(d[b, f, k]) / 4.0,
                            TrajectoryDistance.L2 => 2 * d[b, f, k] / 4,
                            _ => d[b, f, k] / Math.Sqrt(norm2 + c * c) / 2,
                        };
                        Assert.Equal(weights[f] / 2 / 2 * inner, grad[b, f, k].item<double>(), 12);
                    }
                }
                expected += weights[f] * perFrame / 2;
            }
            Assert.Equal(expected / 2, loss.item<double>(), 12);
        }
    }

    [Fact]
    public void PseudoHuberIsQuadraticNearZeroAndLikeTheRmsFarAway()
    {
        using var scope = torch.NewDisposeScope();
        var zero = torch.zeros(new long[] { 1, 1, 1, 16, 16 }, dtype: ScalarType.Float64);
        double Loss(double v) => TrajectoryLoss.Compute(torch.full(new long[] { 1, 1, 1, 16, 16 }, Scalars.Of(v), dtype: ScalarType.Float64), zero, new[] { 1.0 },
            TrajectoryDistance.PseudoHuber).item<double>();
        // c = 0.00054 * 16: far above it the loss is the RMS error (|v| here), far below it |d|^2 / (2 c sqrt(D)).
        Assert.Equal(0.5, Loss(0.5), 2);
        double tiny = 1e-5, c = TrajectoryLoss.PseudoHuberScale * 16;
        double quadratic = 256 * tiny * tiny / (2 * c * 16);
        Assert.InRange(Loss(tiny) / quadratic, 0.999, 1.0);
    }
}
