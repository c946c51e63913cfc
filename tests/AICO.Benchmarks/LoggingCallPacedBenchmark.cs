using System.Diagnostics;
using System.Globalization;
using AICO.Bus;
using AICO.Logging;
using AICO.LogStore;
using AICO.Security;
using Microsoft.Extensions.Logging;

namespace AICO.Benchmarks;

/// <summary>
/// The cost of one ILogger call on the caller's thread while the bus logger ships to a real log consumer (broker over
/// TCP with CURVE, consumer writing the encrypted database), at a companion's pace: one call about every millisecond,
/// so most calls find the worker idle and must wake it, which the flat-out BenchmarkDotNet run never shows. Every
/// call is timed alone (Stopwatch), alternating with the same call into an enabled no-op provider in the same loop.
/// With "--not-shipping" the provider is never started: records stay in its buffer, so the call is measured at the same
/// pace without a worker touching the buffer (what is left is the call itself with cold caches).
/// Usage: logging-call-paced [seconds] [--not-shipping]
/// </summary>
internal static class LoggingCallPacedBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var s) ? s : 10;
        var shipping = !args.Contains("--not-shipping");
        await using var pipeline = await LocalLogPipeline.StartAsync(new LogConsumerOptions());
        var client = await pipeline.ClientAsync(Components.Gateway);
        // Not shipping, the buffer holds the whole run (nothing is dropped); shipping, it has its default size.
        using var provider = new BusLoggerProvider(shipping ? new BusLoggingOptions() : new BusLoggingOptions { BufferCapacity = (seconds + 2) * 1_500 });
        if (shipping)
        {
            provider.Start(client);
        }

        using var busFactory = LoggerFactory.Create(b => b.AddProvider(provider));
        using var floorFactory = LoggerFactory.Create(b => b.AddProvider(new EnabledNullLoggerProvider()));
        var bus = busFactory.CreateLogger("AICO.Benchmarks.Paced");
        var floor = floorFactory.CreateLogger("AICO.Benchmarks.Paced");
        var deadline = Stopwatch.StartNew();
        while (shipping && provider.Gate?.IsOpen != true)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("the log consumer did not subscribe");
            }

            await Task.Delay(20);
        }

        Console.WriteLine($"load before: {Load()}");
        Measure(floor, bus, TimeSpan.FromSeconds(1), out _, out _);
        var calls = Measure(floor, bus, TimeSpan.FromSeconds(seconds), out var floorTicks, out var busTicks);
        Console.WriteLine($"load after: {Load()}");
        var flushed = !shipping || await provider.FlushAsync(TimeSpan.FromSeconds(30));
        await provider.StopAsync();

        var worker = shipping ? "worker shipping to a real consumer" : "not shipping (records stay in the buffer)";
        Console.WriteLine($"ILogger call at ~1 call/ms for {seconds} s, {calls:N0} calls per logger, {worker}; all acknowledged: {flushed}, dropped: {provider.Buffer.DroppedTotal}");
        Console.WriteLine("| logger | p50 ns | p90 ns | p99 ns | p99.9 ns | mean ns |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine(Row("enabled no-op provider (floor)", floorTicks));
        Console.WriteLine(Row("bus logger", busTicks));
        return flushed && provider.Buffer.DroppedTotal == 0 ? 0 : 1;
    }

    /// <summary>Times each call alone; which logger goes first alternates, so both see the same cache and scheduler.</summary>
    private static int Measure(ILogger floor, ILogger bus, TimeSpan duration, out long[] floorTicks, out long[] busTicks)
    {
        var floorList = new List<long>(20_000);
        var busList = new List<long>(20_000);
        var clock = Stopwatch.StartNew();
        for (var i = 1; clock.Elapsed < duration; i++)
        {
            if ((i & 1) == 0)
            {
                floorList.Add(Time(floor, i));
                busList.Add(Time(bus, i));
            }
            else
            {
                busList.Add(Time(bus, i));
                floorList.Add(Time(floor, i));
            }

            Thread.Sleep(1);
        }

        floorTicks = [.. floorList];
        busTicks = [.. busList];
        return floorTicks.Length;
    }

    private static long Time(ILogger logger, int i)
    {
        var start = Stopwatch.GetTimestamp();
        logger.LogInformation("paced {Number} of {Producer}", i, "benchmark");
        return Stopwatch.GetTimestamp() - start;
    }

    private static string Row(string name, long[] ticks)
    {
        Array.Sort(ticks);
        double Ns(long t) => t * 1e9 / Stopwatch.Frequency;
        double At(double p) => Ns(ticks[Math.Min(ticks.Length - 1, (int)(p * ticks.Length))]);
        return $"| {name} | {At(0.50):F0} | {At(0.90):F0} | {At(0.99):F0} | {At(0.999):F0} | {ticks.Average(Ns):F0} |";
    }

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
}
