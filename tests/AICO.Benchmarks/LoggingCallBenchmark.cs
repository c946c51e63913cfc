using System.Diagnostics;
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
/// deferred to the worker), side by side with two floors of Microsoft.Extensions.Logging in the same run: a logger
/// with no providers, and the same call into a provider whose logger is enabled and does nothing (the dispatch every
/// provider pays). Measured by BenchmarkDotNet with its memory diagnoser, outside and inside a request (scope and
/// Activity).
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
        Console.WriteLine($"load before: {LoadAverage()}");
        var summary = BenchmarkRunner.Run<LoggingCallBenchmarks>(config);
        Console.WriteLine($"load after: {LoadAverage()}");
        return Task.FromResult(summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success) ? 1 : 0);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
}

[MemoryDiagnoser]
public class LoggingCallBenchmarks
{
    private const string Category = "AICO.Benchmarks.Caller";
    private const string Producer = "benchmark";
    private readonly List<IDisposable> _owned = [];
    private ILogger _floor = null!;
    private ILogger _null = null!;
    private ILogger _bus = null!;
    private int _i;

    [GlobalSetup]
    public void Setup()
    {
        var bare = LoggerFactory.Create(_ => { });
        var withNull = LoggerFactory.Create(b => b.AddProvider(new EnabledNullLoggerProvider()));
        var provider = new BusLoggerProvider(new BusLoggingOptions());
        var withBus = LoggerFactory.Create(b => b.AddProvider(provider));
        _owned.AddRange([withBus, withNull, bare, provider]);
        _floor = bare.CreateLogger(Category);
        _null = withNull.CreateLogger(Category);
        _bus = withBus.CreateLogger(Category);
    }

    /// <summary>
    /// The "in a request" cases run as a call inside an ASP.NET Core request does: under the request's scope (a few
    /// string values; ASP.NET Core's is a list like this one) and its Activity. The scope is opened once on each logger
    /// (each factory keeps its own scopes) and, like the Activity, stays active around every call of the case.
    /// </summary>
    [GlobalSetup(Targets = [nameof(NullProviderInRequest), nameof(BusLoggerInRequest)])]
    public void SetupInRequest()
    {
        Setup();
        var requestScope = LoggerMessage.DefineScope<string, string>("request {RequestId} {RequestPath}");
        _owned.Add(new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start());
        _owned.Add(requestScope(_null, "0HN8:00000001", "/api/v1/chat") ?? EnabledNullLoggerProvider.NoScope.Instance);
        _owned.Add(requestScope(_bus, "0HN8:00000001", "/api/v1/chat") ?? EnabledNullLoggerProvider.NoScope.Instance);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _owned.Reverse();
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _owned.Clear();
    }

    [Benchmark(Baseline = true, Description = "no providers (floor)")]
    public void Floor() => _floor.LogInformation("record {Number} of {Producer}", ++_i, Producer);

    [Benchmark(Description = "enabled no-op provider")]
    public void NullProvider() => _null.LogInformation("record {Number} of {Producer}", ++_i, Producer);

    [Benchmark(Description = "bus logger")]
    public void BusLogger() => _bus.LogInformation("record {Number} of {Producer}", ++_i, Producer);

    [Benchmark(Description = "enabled no-op provider, in a request")]
    public void NullProviderInRequest() => _null.LogInformation("record {Number} of {Producer}", ++_i, Producer);

    [Benchmark(Description = "bus logger, in a request")]
    public void BusLoggerInRequest() => _bus.LogInformation("record {Number} of {Producer}", ++_i, Producer);
}
