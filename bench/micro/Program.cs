using BenchmarkDotNet.Running;

namespace ActorNet.Bench.Micro;

/// <summary>
/// Entry point: BenchmarkDotNet's switcher, so every command-line option works
/// (--filter, --job Dry|short|medium, --artifacts DIR, --list flat, --inProcess, ...).
/// Exits 1 when a benchmark failed to build or run, so a script notices.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args).ToList();
        var failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
        return failed ? 1 : 0;
    }
}
