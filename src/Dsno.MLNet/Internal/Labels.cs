using TorchSharp;
using static TorchSharp.torch;

namespace Dsno.MLNet.Internal;

/// <summary>Checks class labels read from a batch before they reach a network.</summary>
internal static class Labels
{
    /// <summary>Returns <paramref name="labels"/> when every value is in [0, classes); otherwise throws naming the column and the value.</summary>
    public static Tensor Check(Tensor labels, int classes, string column)
    {
        if (labels.numel() == 0) return labels;
        long min = labels.min().item<long>(), max = labels.max().item<long>();
        if (min < 0)
            throw new InvalidDataException($"column '{column}': a row has a missing or negative label; every row needs a class in 0..{classes - 1}");
        if (max >= classes)
            throw new ArgumentOutOfRangeException(column, max, $"column '{column}': label {max} is outside the {classes} classes the model was trained with (0..{classes - 1})");
        return labels;
    }
}
