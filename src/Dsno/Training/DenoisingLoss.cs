namespace Dsno.Training;

/// <summary>
/// The continuous-time denoising loss of an epsilon-prediction model (Ho et al. 2020, eq. 14, with t ~ U(0, 1) as in Kingma et al.
/// 2021): E || eps - eps_theta(alpha_t x0 + sigma_t eps, t) ||^2.
/// </summary>
public static class DenoisingLoss
{
    /// <summary>The loss for one batch of clean images <paramref name="x0"/> [B, C, H, W] (and labels), drawing t and eps from <paramref name="generator"/>.</summary>
    public static Tensor Compute(Func<Tensor, Tensor, Tensor?, Tensor> network, NoiseSchedule schedule, Tensor x0, Tensor? labels, Generator generator)
    {
        long b = x0.shape[0];
        var t = torch.rand(new[] { b }, generator: generator, device: x0.device);
        var eps = torch.randn(x0.shape, generator: generator, device: x0.device);
        var alpha = schedule.Alpha(t).to(x0.dtype).view(b, 1, 1, 1);
        var sigma = schedule.Sigma(t).to(x0.dtype).view(b, 1, 1, 1);
        var xt = (alpha * x0).Plus(sigma * eps);
        return nn.functional.mse_loss(network(xt, t, labels), eps);
    }
}
