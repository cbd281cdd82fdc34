using Dsno.Examples.QuickStart;

// dotnet run -c Release --project examples/QuickStart -- [--steps N] [--dsno-steps N] [--trajectories N] [--solver-steps N]
//                                                       [--data digits|FILE] [--out DIR] [--tiny] ...
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(QuickStartOptions.Usage);
    return 0;
}
QuickStartOptions options;
try
{
    options = QuickStartOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"quickstart: {e.Message}");
    return 1;
}
try
{
    var result = QuickStartRun.Execute(options, Console.Out);
    return result.ReloadIdentical ? 0 : 3;
}
catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"quickstart: {e.Message}");
    return 2;
}
