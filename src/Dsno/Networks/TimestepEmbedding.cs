using TorchSharp.Modules;

namespace Dsno.Networks;

/// <summary>
/// Conditioning vector of every residual block: a sinusoidal embedding of 1000 t (as in DDPM, whose steps run 0..999) mapped by
/// Linear-SiLU-Linear to 4x the base width, plus a learned class embedding when the model is class-conditional (with one more row
/// for the null class of classifier-free guidance when asked), plus a guidance-scale embedding when the model takes w as an input.
/// </summary>
public sealed partial class TimestepEmbedding : nn.Module<Tensor, Tensor?, Tensor>
{
    /// <summary>Scale from continuous t in [0, 1] to the DDPM step range the sinusoid frequencies were designed for.</summary>
    public const double TimeScale = 1000.0;

    private readonly int sinusoidDims;
    private readonly Linear linear1;
    private readonly Linear linear2;
    private readonly Embedding? classEmbedding;
    private readonly Linear? guidance1;
    private readonly Linear? guidance2;

    /// <summary>Creates the embedding, optionally with a null class and a guidance-scale embedding.</summary>
    /// <param name="baseChannels">Width of the sinusoidal embedding; the output has 4x as many features.</param>
    /// <param name="numClasses">Classes for the label embedding; 0 = unconditional.</param>
    /// <param name="nullClass">One more class row, index <paramref name="numClasses"/>, for the null class.</param>
    /// <param name="guidance">Embed a guidance scale w per row: Linear-SiLU-Linear of the sinusoid of <see cref="GuidanceScale"/> w,
    /// its last layer zero so that a new embedding changes nothing.</param>
    /// <param name="name">Module name.</param>
    public TimestepEmbedding(int baseChannels, int numClasses = 0, bool nullClass = false, bool guidance = false, string name = "time_embed") : base(name)
    {
        if (baseChannels < 1) throw new ArgumentOutOfRangeException(nameof(baseChannels), baseChannels, "the embedding needs at least 1 channel");
        if (numClasses < 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "the class count cannot be negative");
        sinusoidDims = baseChannels;
        OutputDims = 4 * baseChannels;
        NumClasses = numClasses;
        linear1 = nn.Linear(baseChannels, OutputDims);
        linear2 = nn.Linear(OutputDims, OutputDims);
        if ((nullClass || guidance) && numClasses == 0)
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "a null class and a guidance embedding need a class-conditional model");
        NullClass = nullClass;
        if (numClasses > 0) classEmbedding = nn.Embedding(numClasses + (nullClass ? 1 : 0), OutputDims);
        if (guidance)
        {
            guidance1 = nn.Linear(baseChannels, OutputDims);
            guidance2 = nn.Linear(OutputDims, OutputDims);
            using var noGrad = torch.no_grad();
            guidance2.weight!.zero_();
            guidance2.bias!.zero_();
        }
        RegisterComponents();
    }

    /// <summary>
    /// Scale from a guidance scale w to the sinusoid's input (which multiplies by <see cref="TimeScale"/>): w in [0, 10] spans what t in
    /// [0, 1] spans.
    /// </summary>
    public const double GuidanceScale = 0.1;

    /// <summary>Whether the class embedding has the null-class row (index <see cref="NumClasses"/>).</summary>
    public bool NullClass { get; }

    /// <summary>Features of the output vector (4x the base width).</summary>
    public int OutputDims { get; }

    /// <summary>Classes of the label embedding; 0 = none.</summary>
    public int NumClasses { get; }

    /// <summary>Embeds times <paramref name="t"/> [B] (float, in [0, 1]) and optional labels [B] (int64) into [B, 4 * base].</summary>
    public override Tensor forward(Tensor t, Tensor? labels) => forward(t, labels, null);

    /// <summary>
    /// Embeds times <paramref name="t"/> [B], optional labels [B] (int64; the null class is index <see cref="NumClasses"/> when the
    /// embedding has it) and, for a guidance-conditioned embedding, guidance scales <paramref name="guidance"/> [B] into [B, 4 * base].
    /// </summary>
    public Tensor forward(Tensor t, Tensor? labels, Tensor? guidance)
    {
        if (t.ndim != 1) throw new ArgumentException($"times must have shape [B], got [{string.Join(", ", t.shape)}]", nameof(t));
        using var scope = torch.NewDisposeScope();
        var emb = linear2.forward(nn.functional.silu(linear1.forward(Sinusoid(t, sinusoidDims))));
        if (classEmbedding is not null)
        {
            if (labels is null) throw new ArgumentNullException(nameof(labels), $"this model is class-conditional ({NumClasses} classes): labels are required");
            if (labels.ndim != 1 || labels.shape[0] != t.shape[0])
                throw new ArgumentException($"labels must have shape [{t.shape[0]}], got [{string.Join(", ", labels.shape)}]", nameof(labels));
            var classes = labels.to(ScalarType.Int64);
            long rows = NumClasses + (NullClass ? 1 : 0);
            if (classes.numel() > 0 && (classes.min().item<long>() < 0 || classes.max().item<long>() >= rows))
                throw new ArgumentOutOfRangeException(nameof(labels),
                    $"labels must be in [0, {rows - 1}], got values in [{classes.min().item<long>()}, {classes.max().item<long>()}]");
            emb = emb.Plus(classEmbedding.forward(classes));
        }
        else if (labels is not null)
        {
            throw new ArgumentException("this model is unconditional (NumClasses = 0) but labels were given", nameof(labels));
        }
        if (guidance1 is not null)
        {
            if (guidance is null) throw new ArgumentNullException(nameof(guidance), "this model takes the guidance scale w as an input: give it");
            if (guidance.ndim != 1 || guidance.shape[0] != t.shape[0])
                throw new ArgumentException($"guidance must have shape [{t.shape[0]}], got [{string.Join(", ", guidance.shape)}]", nameof(guidance));
            var features = Sinusoid(guidance.to(t.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32).Times(GuidanceScale), sinusoidDims);
            emb = emb.Plus(guidance2!.forward(nn.functional.silu(guidance1.forward(features))));
        }
        else if (guidance is not null)
        {
            throw new ArgumentException("this model does not take a guidance scale as an input", nameof(guidance));
        }
        return emb.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The transformer-style sinusoidal features of 1000 t: [cos(s w_k), sin(s w_k)] with w_k = 10000^(-k / half), zero-padded to
    /// <paramref name="dims"/> when it is odd. Computed in float32 (float64 for float64 input).
    /// </summary>
    public static Tensor Sinusoid(Tensor t, int dims)
    {
        if (dims < 1) throw new ArgumentOutOfRangeException(nameof(dims), dims, "the embedding needs at least 1 dimension");
        using var scope = torch.NewDisposeScope();
        var dtype = t.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        int half = dims / 2;
        Tensor result;
        if (half == 0)
        {
            result = torch.zeros(t.shape[0], dims, dtype: dtype, device: t.device);
        }
        else
        {
            var frequencies = Frequencies(half, dtype, t.device);
            var angles = t.to(dtype).Times(TimeScale).unsqueeze(1) * frequencies.unsqueeze(0);
            result = torch.cat(new[] { torch.cos(angles), torch.sin(angles) }, dim: 1);
            if (dims % 2 == 1) result = nn.functional.pad(result, new long[] { 0, 1 });
        }
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>The sinusoid's <paramref name="half"/> frequencies 10000^(-k / half), k = 0 .. half - 1.</summary>
    internal static Tensor Frequencies(int half, ScalarType dtype, Device device)
    {
        using var stop = half.ToScalar();
        using var k = torch.arange(Scalars.Zero, stop, Scalars.One, dtype: dtype, device: device);
        return torch.exp(k.Times(-Math.Log(10000.0) / half));
    }
}
