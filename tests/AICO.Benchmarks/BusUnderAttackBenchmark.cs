using System.Diagnostics;
using AICO.Bus;
using AICO.Security;
using AICO.TestSupport;

namespace AICO.Benchmarks;

/// <summary>
/// Publish-to-deliver latency of a legitimate pair (gateway -> log consumer, one message in flight) through the AICO
/// broker, quiet and then while 1,000 keyless ZMTP 1.0 connections with a HELLO each keep coming, a keyless peer streams
/// HELLOs and a CURVE peer (it knows the broker's public key) streams HELLOs on one connection. Same broker, same run.
/// Options: --samples N (2000), --connections N (1000).
/// </summary>
internal static class BusUnderAttackBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var samples = BusBenchmark.Option(args, "--samples", 2_000);
        var connections = BusBenchmark.Option(args, "--connections", 1_000);
        ThreadPool.SetMinThreads(16, 16);
        var keys = Components.Clients.ToDictionary(c => c, _ => CurveKeyPair.Generate());
        var brokerKeys = CurveKeyPair.Generate();
        await using var broker = new BrokerEngine(brokerKeys, keys.ToDictionary(k => k.Key, k => k.Value.PublicKeyZ85), new BrokerOptions { Endpoint = "tcp://127.0.0.1:0" });
        broker.Start();
        await using var publisher = BusBenchmark.Client(broker, brokerKeys, Components.Gateway, keys);
        await using var subscriber = BusBenchmark.Client(broker, brokerKeys, Components.LogConsumer, keys);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await publisher.WaitUntilAuthenticatedAsync(cts.Token);
        await subscriber.WaitUntilAuthenticatedAsync(cts.Token);
        var delivered = new SemaphoreSlim(0);
        await using var subscription = await subscriber.SubscribeAsync("logs/", (_, _) => { delivered.Release(); return Task.CompletedTask; }, cts.Token);

        Console.WriteLine($"bus-under-attack: {samples:N0} publish-to-deliver samples per phase, {connections:N0} keyless connections per round, {Environment.ProcessorCount} cores");
        await MeasureAsync(publisher, delivered, Math.Min(500, samples), cts.Token);
        var quiet = await MeasureAsync(publisher, delivered, samples, cts.Token);

        var flood = new BusFlood(broker.BoundEndpoint, brokerKeys);
        flood.StartKeylessRounds(connections);
        flood.StartKeylessHelloStreamer();
        flood.StartCurveHelloStreamer();
        await Task.Delay(TimeSpan.FromSeconds(2), cts.Token);
        var attacked = await MeasureAsync(publisher, delivered, samples, cts.Token);
        var status = await broker.GetStatusAsync();
        await flood.DisposeAsync();

        Console.WriteLine();
        Console.WriteLine("| phase | p50 ms | p99 ms | max ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Console.WriteLine($"| quiet | {quiet.P50:0.000} | {quiet.P99:0.000} | {quiet.Max:0.000} |");
        Console.WriteLine($"| under attack | {attacked.P50:0.000} | {attacked.P99:0.000} | {attacked.Max:0.000} |");
        Console.WriteLine();
        Console.WriteLine($"p99 under attack / quiet: {attacked.P99 / quiet.P99:0.00}x (target <= 2x); HELLOs streamed {Interlocked.Read(ref flood.HellosStreamed):N0}");
        Console.WriteLine("refused by reason: " + string.Join(", ", status.Refusals.Select(r => $"{r.Key} {r.Value:N0}")));
        return 0;
    }

    private static async Task<(double P50, double P99, double Max)> MeasureAsync(BusClient publisher, SemaphoreSlim delivered, int samples, CancellationToken cancellationToken)
    {
        var payload = new byte[200];
        var times = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await publisher.PublishAsync("logs/gateway/latency", "log", payload, cancellationToken: cancellationToken);
            await delivered.WaitAsync(cancellationToken);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return (times[samples / 2], times[Math.Min(samples - 1, (int)(samples * 0.99))], times[^1]);
    }
}
