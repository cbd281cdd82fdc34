using System.Globalization;
using Dsno.Training;

namespace Dsno.Bench;

/// <summary>Progress lines of a training run: step, loss, speed over this process's steps and the time left.</summary>
public static class TrainingLog
{
    /// <summary>
    /// A reporter for the run called <paramref name="name"/>; when <paramref name="clock"/> is given, it is flushed at every checkpoint
    /// (every <paramref name="checkpointInterval"/> steps), so the stage time counts the work a killed process kept.
    /// </summary>
    public static IProgress<TrainingProgress> Progress(string name, int checkpointInterval = 0, StageClock? clock = null, double seconds = 30)
    {
        int? firstStep = null;
        var log = BenchLog.Throttled<TrainingProgress>(p =>
        {
            firstStep ??= p.Step - 1;
            double rate = p.Elapsed.TotalSeconds / Math.Max(1, p.Step - firstStep.Value);
            return string.Create(CultureInfo.InvariantCulture,
                $"{name}: step {p.Step}/{p.TotalSteps}, loss {p.Loss:0.0000}, {rate:0.000} s/step, about {rate * (p.TotalSteps - p.Step) / 60:0.0} min left");
        }, p => p.Step == p.TotalSteps, seconds);
        return new Reporter(p =>
        {
            log.Report(p);
            if (clock is not null && checkpointInterval > 0 && p.Step % checkpointInterval == 0) clock.Flush();
        });
    }

    private sealed class Reporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
