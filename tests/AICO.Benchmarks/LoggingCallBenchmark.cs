using AICO.Logging;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.Logging;

namespace AICO.Benchmarks;

/// <summary>
/// The cost of an ILogger call on the caller's thread with the bus logger attached (capture and enqueue; formatting is
/// deferred to the worker), side by side with the same call into a logger with no providers (the floor of
/// Microsoft.Extensions.Logging), measured by BenchmarkDotNet with its memory diagnoser.
/// Nothing drains the buffer here: once full, every call replaces the oldest record, which costs the same as an
/// enqueue (one slot written under the lock) and keeps the worker's formatting out of the caller's figure.
/// Usage: logging-call [--full]  (default: BenchmarkDotNet's short run, in process)
/// </summary>
internal static class LoggingCallBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        var job = args.Contains("--full") ? Job.Default : Job.ShortRun;
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(job.WithToolchain(InProcessEmitToolchain.Instance))
            .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        var summary = BenchmarkRunner.Run<LoggingCallBenchmarks>(config);
        return Task.FromResult(summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success) ? 1 : 0);
    }
}

[MemoryDiagnoser]
public class LoggingCallBenchmarks
{
    private const string Producer = "benchmark";
    private ILoggerFactory _bare = null!;
    private ILoggerFactory _withBus = null!;
    private BusLoggerProvider _provider = null!;
    private ILogger _floor = null!;
    private ILogger _bus = null!;
    private int _i;

    [GlobalSetup]
    public void Setup()
    {
        _bare = LoggerFactory.Create(_ => { });
        _provider = new BusLoggerProvider(new BusLoggingOptions());
        _withBus = LoggerFactory.Create(b => b.AddProvider(_provider));
        _floor = _bare.CreateLogger("AICO.Benchmarks.Caller");
        _bus = _withBus.CreateLogger("AICO.Benchmarks.Caller");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _withBus.Dispose();
        _bare.Dispose();
        _provider.Dispose();
    }

    [Benchmark(Baseline = true, Description = "no providers (floor)")]
    public void Floor() => _floor.LogInformation("record {Number} of {Producer}", ++_i, Producer);

    [Benchmark(Description = "bus logger")]
    public void BusLogger() => _bus.LogInformation("record {Number} of {Producer}", ++_i, Producer);
}
