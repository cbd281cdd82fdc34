using TorchSharp;

namespace Dsno.Bench;

/// <summary>Runs the stages of one data set in order; each stage skips the work already on disk.</summary>
public static class BenchRunner
{
    /// <summary>Runs everything (or only the report, or only up to the students) and returns the exit code.</summary>
    public static int Run(string dataset, string outRoot, string reportPath, int threads, bool reportOnly, bool smoke, bool studentsOnly, string command)
    {
        var config = smoke ? BenchConfig.For(dataset).Smoke() : BenchConfig.For(dataset);
        var paths = new BenchPaths(outRoot, config.Dataset);
        torch.set_num_threads(threads);
        BenchLog.Info($"{dataset}: output {paths.Root}, report {reportPath}, {threads} torch threads");
        JsonFiles.Write(Path.Combine(paths.Root, "config.json"), config);

        if (!reportOnly)
        {
            var data = StageTimes.Measure(paths, "data", _ => BenchData.Load(config, outRoot));
            BenchLog.Info($"data: train {data.Train}, test {data.Test}");
            using var teacher = StageTimes.Measure(paths, "teacher", clock => TeacherStage.Run(config, paths, data.Train, threads, clock));
            using var records = StageTimes.Measure(paths, "trajectories", clock => TrajectoryStage.Run(config, paths, teacher, config.TrajectoryCount, threads, clock));
            using var moreRecords = config.TrajectoryCountLever
                ? StageTimes.Measure(paths, "more trajectories", clock => TrajectoryStage.Run(config, paths, teacher, config.TrajectoryCount * StudentSpec.MoreRecordsFactor, threads, clock))
                : null;
            StageTimes.Measure(paths, "students", clock => { StudentStage.Run(config, paths, teacher, records, moreRecords, threads, clock); return 0; });
            if (studentsOnly)
            {
                BenchLog.Info($"{dataset}: students done; --students-only stops here");
                return 0;
            }
            using var context = StageTimes.Measure(paths, "reference and classifier", _ => EvaluationContext.Create(config, paths, data, teacher, threads));
            using var generators = new MethodGenerators(teacher, paths);
            StageTimes.Measure(paths, "evaluation", _ => { EvaluationStage.Run(config, paths, context, generators); return 0; });
            StageTimes.Measure(paths, "step lists", _ => StepListStage.Run(config, paths, context, generators));
            StageTimes.Measure(paths, "decoding", _ => DecodingStage.Run(config, paths, context, generators));
            StageTimes.Measure(paths, "spectrum", _ => SpectrumStage.Run(config, paths, teacher));
            StageTimes.Measure(paths, "speed", _ => SpeedStage.Run(config, paths, context, generators, threads));
        }
        ReportWriter.Write(config, paths, reportPath, command);
        BenchLog.Info($"{dataset}: done");
        return 0;
    }
}
