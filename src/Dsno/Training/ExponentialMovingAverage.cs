namespace Dsno.Training;

/// <summary>
/// Exponential moving average of a module's floating-point state, used for sampling. The decay warms up as
/// min(decay, (1 + n) / (10 + n)) so that short runs are not dominated by the random initialisation.
/// </summary>
public sealed class ExponentialMovingAverage : IDisposable
{
    private readonly nn.Module _module;
    private readonly double _decay;
    private readonly Dictionary<string, Tensor> _shadow;

    /// <summary>Starts the average at the module's current state.</summary>
    public ExponentialMovingAverage(nn.Module module, double decay)
    {
        _module = module;
        _decay = decay;
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        _shadow = module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
    }

    /// <summary>The averaged tensors by state-dict name.</summary>
    public IReadOnlyDictionary<string, Tensor> State => _shadow;

    /// <summary>Folds in the module's current state after update number <paramref name="updates"/> (0-based).</summary>
    public void Update(long updates)
    {
        double d = Math.Min(_decay, (1.0 + updates) / (10.0 + updates));
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        using var keep = d.ToScalar();
        using var blend = (1 - d).ToScalar();
        foreach (var (name, value) in _module.state_dict())
        {
            var shadow = _shadow[name];
            if (value.is_floating_point()) shadow.mul_(keep).add_(value.detach(), blend);
            else shadow.copy_(value);
        }
    }

    /// <summary>Copies the averaged state into <paramref name="target"/> (same architecture).</summary>
    public void CopyTo(nn.Module target)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, value) in target.state_dict()) value.copy_(_shadow[name]);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in _shadow.Values) t.Dispose();
        _shadow.Clear();
    }
}
