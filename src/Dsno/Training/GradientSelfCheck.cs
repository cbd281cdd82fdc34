using System.Diagnostics;

namespace Dsno.Training;

/// <summary>
/// The guard every training runs first: the network's float32 gradients on two samples against those of a float64 copy with the
/// same weights. If they disagree on the route <see cref="CpuNumerics"/> chose, the route falls back to libtorch's reference
/// kernels and the check runs again; if they still disagree, <see cref="GradientCheckFailedException"/> stops the training.
/// </summary>
public static class GradientSelfCheck
{
    /// <summary>
    /// Largest relative error accepted. Float32 against float64 over a whole network is about 1e-6 here; a wrong kernel gives
    /// errors near 1. Each parameter's error is scaled by the larger of its own largest gradient and 1e-3 of the network's, so
    /// that parameters with nearly no gradient do not turn rounding into a false alarm.
    /// </summary>
    public const double Tolerance = 1e-3;

    /// <summary>
    /// Largest norm-relative error accepted for gradients that pass through an activation kink with inputs near zero
    /// (<see cref="IGradientCheckable.IsKinkSensitive"/>): float32 and float64 may pick different sides of the kink for a few
    /// elements (measured: up to 1.3%). A wrong kernel still shows: it spoils every gradient before it.
    /// </summary>
    public const double KinkTolerance = 0.1;

    private const ulong DrawStream = 0x6C;

    /// <summary>Checks <paramref name="network"/> (on the CPU) at torch's current thread count; see the class summary.</summary>
    /// <param name="stage">Name used in the exception's message.</param>
    /// <param name="network">The network about to be trained; its weights and mode are left as they were, its gradients cleared.</param>
    public static GradientCheckResult Verify(string stage, IGradientCheckable network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var module = (nn.Module)network;
        if (module.parameters().FirstOrDefault() is not { } first || first.device_type != DeviceType.CPU)
            return new GradientCheckResult(0, "(not on the CPU: not checked)", CpuNumerics.RouteOverride ?? ConvolutionRoute.OneDnn, torch.get_num_threads(), TimeSpan.Zero);

        var clock = Stopwatch.StartNew();
        var route = CpuNumerics.Route;
        using var copy = network.NewUntrainedCopy();
        copy.to(ScalarType.Float64);
        CopyState(module, copy);
        var reference = Gradients(copy);
        var actual = Gradients(module);
        var (error, parameter) = Compare(actual, reference, network);
        if (!(error <= Tolerance) && CpuNumerics.EscalateToReference(
                $"{stage}: relative gradient error {error:G3} in {parameter} on the {route} route"))
        {
            route = CpuNumerics.Route;
            Dispose(actual);
            actual = Gradients(module);
            (error, parameter) = Compare(actual, reference, network);
        }
        Dispose(actual);
        Dispose(reference);
        foreach (var p in module.parameters()) p.grad = null;
        if (!(error <= Tolerance)) throw new GradientCheckFailedException(stage, error, parameter, route, torch.get_num_threads());
        return new GradientCheckResult(error, parameter, route, torch.get_num_threads(), clock.Elapsed);
    }

    private static void CopyState(nn.Module from, nn.Module to)
    {
        using var noGrad = torch.no_grad();
        var source = from.state_dict();
        foreach (var (name, target) in to.state_dict()) target.copy_(source[name]);
    }

    /// <summary>Every named parameter's gradient (float64), with the module in evaluation mode (no dropout) for the pass.</summary>
    private static Dictionary<string, Tensor?> Gradients(nn.Module module)
    {
        bool training = module.training;
        module.eval();
        try
        {
            using var enabled = torch.enable_grad();
            foreach (var p in module.parameters()) p.grad = null;
            using var generator = new Generator(SeedMix.Mix(0, 0, DrawStream));
            using (var scope = torch.NewDisposeScope())
                ((IGradientCheckable)module).CheckObjective(generator).backward();
            return module.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad?.to(ScalarType.Float64).detach());
        }
        finally
        {
            module.train(training);
        }
    }

    /// <summary>
    /// The worst error over the parameters, scaled so that <see cref="Tolerance"/> is the limit for all of them: a kink-sensitive
    /// parameter's norm-relative error counts as error * Tolerance / KinkTolerance.
    /// </summary>
    private static (double Error, string Parameter) Compare(Dictionary<string, Tensor?> actual, Dictionary<string, Tensor?> reference, IGradientCheckable network)
    {
        // The temporaries (differences, abs, max) belong to a scope: one left to the finalizer may be freed during the native call
        // that reads it (ScalarLifetimeTests).
        using var scope = torch.NewDisposeScope();
        double scale = reference.Values.Select(g => g is null ? 0 : g.abs().max().item<double>()).DefaultIfEmpty(0).Max();
        double worst = -1;
        string where = "(no parameters)";
        foreach (var (name, expected) in reference)
        {
            var got = actual[name];
            double error;
            if (expected is null || got is null) error = expected is null && got is null ? 0 : double.PositiveInfinity;
            else if (network.IsKinkSensitive(name))
            {
                double norm = expected.norm().item<double>();
                double difference = (got - expected).norm().item<double>();
                error = (norm > 0 ? difference / norm : difference) * (Tolerance / KinkTolerance);
            }
            else
            {
                double denominator = Math.Max(expected.abs().max().item<double>(), 1e-3 * scale);
                double difference = (got - expected).abs().max().item<double>();
                error = denominator > 0 ? difference / denominator : difference;
            }
            if (double.IsNaN(error)) return (double.NaN, name);
            if (error > worst) (worst, where) = (error, name);
        }
        return (Math.Max(worst, 0), where);
    }

    private static void Dispose(Dictionary<string, Tensor?> gradients)
    {
        foreach (var g in gradients.Values) g?.Dispose();
    }
}
