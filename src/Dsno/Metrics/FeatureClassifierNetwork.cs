using TorchSharp.Modules;

namespace Dsno.Metrics;

/// <summary>
/// The small CNN behind <see cref="FeatureClassifier"/>: three 3x3 convolutions (the last two with stride 2), each followed by
/// GroupNorm and SiLU, global average pooling, a SiLU-activated projection to the feature width, and a linear classification head.
/// </summary>
internal sealed class FeatureClassifierNetwork : nn.Module<Tensor, Tensor>, IGradientCheckable
{
    private readonly Conv2d stem;
    private readonly GroupNorm stemNorm;
    private readonly Conv2d down1;
    private readonly GroupNorm down1Norm;
    private readonly Conv2d down2;
    private readonly GroupNorm down2Norm;
    private readonly Linear project;
    private readonly Linear head;

    private readonly (int Channels, int Classes, int BaseChannels, int FeatureDim, int Groups) shape;

    public FeatureClassifierNetwork(int channels, int classes, int baseChannels, int featureDim, int groups) : base(nameof(FeatureClassifierNetwork))
    {
        shape = (channels, classes, baseChannels, featureDim, groups);
        stem = nn.Conv2d(channels, baseChannels, 3, padding: 1);
        stemNorm = ResBlock.NewGroupNorm(groups, baseChannels);
        down1 = nn.Conv2d(baseChannels, 2 * baseChannels, 3, stride: 2, padding: 1);
        down1Norm = ResBlock.NewGroupNorm(groups, 2 * baseChannels);
        down2 = nn.Conv2d(2 * baseChannels, 4 * baseChannels, 3, stride: 2, padding: 1);
        down2Norm = ResBlock.NewGroupNorm(groups, 4 * baseChannels);
        project = nn.Linear(4 * baseChannels, featureDim);
        head = nn.Linear(featureDim, classes);
        RegisterComponents();
    }

    /// <summary>
    /// Sets every convolution and linear weight from <paramref name="generator"/> alone (LeCun uniform: variance 1 / fan-in) and their
    /// biases to 0, so that the start does not depend on the global torch seed (GroupNorm starts as the identity, see
    /// <see cref="ResBlock.NewGroupNorm"/>).
    /// </summary>
    public void Initialise(Generator generator)
    {
        using var noGrad = torch.no_grad();
        foreach (var layer in new nn.Module[] { stem, down1, down2, project, head })
        {
            foreach (var (name, parameter) in layer.named_parameters())
            {
                if (name == "bias")
                {
                    parameter.zero_();
                    continue;
                }
                long fanIn = parameter.numel() / parameter.shape[0];
                double bound = Math.Sqrt(3.0 / fanIn);
                parameter.uniform_(-bound, bound, generator);
            }
        }
    }

    /// <summary>The penultimate activations [N, featureDim] of images [N, C, H, W].</summary>
    public Tensor Features(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var h = nn.functional.silu(stemNorm.forward(RoutedConvolution.Forward(stem, images)));
        h = nn.functional.silu(down1Norm.forward(RoutedConvolution.Forward(down1, h)));
        h = nn.functional.silu(down2Norm.forward(RoutedConvolution.Forward(down2, h)));
        h = h.mean(new long[] { 2, 3 });
        return nn.functional.silu(project.forward(h)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public nn.Module NewUntrainedCopy() => new FeatureClassifierNetwork(shape.Channels, shape.Classes, shape.BaseChannels, shape.FeatureDim, shape.Groups);

    /// <summary>Gradient self-check on two 16x16 images (the network pools globally, so any size works).</summary>
    public Tensor CheckObjective(Generator generator)
    {
        var images = GradientCheckInputs.Normal(new long[] { GradientCheckInputs.Samples, shape.Channels, 16, 16 }, GradientCheckInputs.TypeOf(this), generator);
        return GradientCheckInputs.Mixed(forward(images), generator);
    }

    /// <summary>Class logits [N, classes].</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        return head.forward(Features(images)).MoveToOuterDisposeScope();
    }
}
