using System.Diagnostics;
using AICO.Logging;
using Microsoft.Extensions.Logging;

namespace AICO.Benchmarks;

/// <summary>
/// The cost of an ILogger call on the caller's thread with the bus logger attached: format, capture, enqueue.
/// A Stopwatch loop over a million calls (BenchmarkDotNet's full run takes minutes on the shared 2-core machine),
/// side by side with the same calls into a logger with no providers (the floor of Microsoft.Extensions.Logging).
/// </summary>
internal static class LoggingCallBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        var calls = args.Length > 0 && int.TryParse(args[0], out var n) && n > 0 ? n : 1_000_000;

        using var bare = LoggerFactory.Create(_ => { });
        using var provider = new BusLoggerProvider(new BusLoggingOptions());
        using var withBus = LoggerFactory.Create(b => b.AddProvider(provider));

        // The worker's side of the buffer, as in a running process: records leave as fast as they come, so the
        // measurement is the enqueue path (not the drop path, and not the GC cost of a million retained records).
        using var stop = new CancellationTokenSource();
        var taken = 0L;
        var drain = Task.Run(() =>
        {
            var batch = new List<LogEntry>(512);
            while (!stop.IsCancellationRequested || provider.Buffer.Count > 0)
            {
                batch.Clear();
                if (provider.Buffer.TakeOldest(batch, 512) == 0)
                {
                    Thread.Sleep(1);
                }

                taken += batch.Count;
            }
        });

        var baseline = Measure(bare.CreateLogger("AICO.Benchmarks.Caller"), calls);
        var bus = Measure(withBus.CreateLogger("AICO.Benchmarks.Caller"), calls);
        stop.Cancel();
        drain.Wait();
        Console.WriteLine($"records taken by the drain: {taken:N0}, dropped: {provider.Buffer.DroppedTotal:N0}");

        Console.WriteLine($"ILogger call cost, {calls:N0} calls of LogInformation(\"record {{Number}} of {{Producer}}\", i, name):");
        Console.WriteLine("| logger | ns/call | bytes allocated/call |");
        Console.WriteLine("| --- | ---: | ---: |");
        Console.WriteLine($"| no providers (floor) | {baseline.Nanoseconds:F0} | {baseline.Bytes:F0} |");
        Console.WriteLine($"| bus logger | {bus.Nanoseconds:F0} | {bus.Bytes:F0} |");
        return Task.FromResult(0);
    }

    private static (double Nanoseconds, double Bytes) Measure(ILogger logger, int calls)
    {
        Run(logger, WarmUp(calls)); // JIT tiers
        GC.Collect();
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        Run(logger, calls);
        watch.Stop();
        bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
        return (watch.Elapsed.TotalNanoseconds / calls, (double)bytes / calls);
    }

    private static int WarmUp(int calls) => Math.Min(calls, 50_000);

    private static void Run(ILogger logger, int calls)
    {
        const string producer = "benchmark";
        for (var i = 0; i < calls; i++)
        {
            logger.LogInformation("record {Number} of {Producer}", i, producer);
        }
    }
}
