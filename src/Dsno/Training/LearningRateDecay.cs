namespace Dsno.Training;

/// <summary>How the learning rate falls after its warm-up (see <see cref="LearningRateSchedule"/>).</summary>
public enum LearningRateDecay
{
    /// <summary>Stays at the peak.</summary>
    Constant,

    /// <summary>Half a cosine from the peak towards zero at the last step (Loshchilov and Hutter 2017, without restarts).</summary>
    Cosine,

    /// <summary>A straight line from the peak towards zero at the last step.</summary>
    Linear,
}
