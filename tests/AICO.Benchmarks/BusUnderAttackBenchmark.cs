using System.Diagnostics;
using AICO.Bus;
using AICO.Security;
using AICO.TestSupport;

namespace AICO.Benchmarks;

/// <summary>
/// Publish-to-deliver latency of a legitimate pair (gateway -> log consumer, one message in flight) through the AICO
/// broker, quiet and then while an attacker process (`bus-attacker`, this program re-launched) keeps opening rounds of
/// 1,000 keyless ZMTP 1.0 connections with a HELLO each, streams HELLOs on a keyless connection and streams HELLOs on one
/// CURVE connection (it knows the broker's public key). Quiet and attacked phases alternate, same broker, same run.
/// With --pin (and at least 2 cores) the attacker runs on the last core and this process on the others, as an attacker
/// on another host would: what it spends on itself is then not taken from the broker.
/// Options: --samples N per phase and round (1000), --connections N (1000), --rounds N (2), --pin.
/// </summary>
internal static class BusUnderAttackBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var samples = BusBenchmark.Option(args, "--samples", 1_000);
        var connections = BusBenchmark.Option(args, "--connections", 1_000);
        var rounds = BusBenchmark.Option(args, "--rounds", 2);
        var pin = args.Contains("--pin") && Environment.ProcessorCount >= 2;
        var attackerCore = pin ? Environment.ProcessorCount - 1 : (int?)null;
        if (pin)
        {
            PinThisProcess((1UL << (Environment.ProcessorCount - 1)) - 1);
        }

        ThreadPool.SetMinThreads(16, 16);
        var keys = Components.Clients.ToDictionary(c => c, _ => CurveKeyPair.Generate());
        var brokerKeys = CurveKeyPair.Generate();
        await using var broker = new BrokerEngine(brokerKeys, keys.ToDictionary(k => k.Key, k => k.Value.PublicKeyZ85), new BrokerOptions { Endpoint = "tcp://127.0.0.1:0" });
        broker.Start();
        await using var publisher = BusBenchmark.Client(broker, brokerKeys, Components.Gateway, keys);
        await using var subscriber = BusBenchmark.Client(broker, brokerKeys, Components.LogConsumer, keys);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        await publisher.WaitUntilAuthenticatedAsync(cts.Token);
        await subscriber.WaitUntilAuthenticatedAsync(cts.Token);
        var delivered = new SemaphoreSlim(0);
        await using var subscription = await subscriber.SubscribeAsync("logs/", (_, _) => { delivered.Release(); return Task.CompletedTask; }, cts.Token);

        Console.WriteLine($"bus-under-attack: {rounds} rounds of {samples:N0} publish-to-deliver samples quiet, then under attack; {connections:N0} keyless connections per attack round; {Environment.ProcessorCount} cores, " +
            (pin ? $"attacker pinned to core {Environment.ProcessorCount - 1}, broker and pair to the others" : "attacker, broker and pair share all cores"));
        Console.WriteLine($"load before: {File.ReadAllText("/proc/loadavg").Trim()}");
        await MeasureAsync(publisher, delivered, Math.Min(500, samples), cts.Token);
        var quiet = new List<double>();
        var attacked = new List<double>();
        var attackerReport = new List<string>();
        for (var round = 0; round < rounds; round++)
        {
            quiet.AddRange(await MeasureAsync(publisher, delivered, samples, cts.Token));
            await using var attacker = await AttackerProcess.StartAsync(broker.BoundEndpoint, brokerKeys, connections, attackerCore, cts.Token);
            await Task.Delay(TimeSpan.FromSeconds(2), cts.Token);
            attacked.AddRange(await MeasureAsync(publisher, delivered, samples, cts.Token));
            attackerReport.Add(await attacker.StopAsync());
        }

        var status = await broker.GetStatusAsync();
        Console.WriteLine($"load after: {File.ReadAllText("/proc/loadavg").Trim()}");
        var q = Percentiles(quiet);
        var a = Percentiles(attacked);
        Console.WriteLine();
        Console.WriteLine("| phase | samples | p50 ms | p99 ms | max ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        Console.WriteLine($"| quiet | {quiet.Count:N0} | {q.P50:0.000} | {q.P99:0.000} | {q.Max:0.000} |");
        Console.WriteLine($"| under attack | {attacked.Count:N0} | {a.P50:0.000} | {a.P99:0.000} | {a.Max:0.000} |");
        Console.WriteLine();
        Console.WriteLine($"p99 under attack / quiet: {a.P99 / q.P99:0.00}x (target <= 2x)");
        Console.WriteLine("attacker per round: " + string.Join("; ", attackerReport));
        Console.WriteLine("refused by reason: " + string.Join(", ", status.Refusals.Select(r => $"{r.Key} {r.Value:N0}")));
        return 0;
    }

    /// <summary>`bus-attacker`: the attacking process. Env AICO_BENCH_ENDPOINT, AICO_BENCH_BROKER_KEY (public, Z85); --connections N. Runs until stdin closes.</summary>
    public static async Task<int> AttackAsync(string[] args)
    {
        string Env(string name) => Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException(name + " is not set");
        if (!Z85.TryDecode(Env("AICO_BENCH_BROKER_KEY"), out var brokerPublic))
        {
            throw new InvalidOperationException("AICO_BENCH_BROKER_KEY is not Z85");
        }

        var started = Stopwatch.GetTimestamp();
        await using (var flood = new BusFlood(Env("AICO_BENCH_ENDPOINT"), brokerPublic))
        {
            flood.StartKeylessRounds(BusBenchmark.Option(args, "--connections", 1_000));
            flood.StartKeylessHelloStreamer();
            flood.StartCurveHelloStreamer();
            Console.WriteLine("ready");
            await Console.In.ReadToEndAsync();
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            Console.WriteLine($"{Interlocked.Read(ref flood.KeylessConnections) / seconds:N0} keyless connections/s and {Interlocked.Read(ref flood.HellosStreamed) / seconds:N0} streamed HELLOs/s for {seconds:0.0} s");
        }

        return 0;
    }

    private static async Task<List<double>> MeasureAsync(BusClient publisher, SemaphoreSlim delivered, int samples, CancellationToken cancellationToken)
    {
        var payload = new byte[200];
        var times = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await publisher.PublishAsync("logs/gateway/latency", "log", payload, cancellationToken: cancellationToken);
            await delivered.WaitAsync(cancellationToken);
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return times;
    }

    /// <summary>Every thread of this process onto <paramref name="mask"/> (threads started later inherit it from their creator).</summary>
    private static void PinThisProcess(ulong mask)
    {
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            _ = sched_setaffinity(int.Parse(Path.GetFileName(task), System.Globalization.CultureInfo.InvariantCulture), sizeof(ulong), ref mask);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint cpusetsize, ref ulong mask);

    private static (double P50, double P99, double Max) Percentiles(List<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return (sorted[sorted.Length / 2], sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.99))], sorted[^1]);
    }

    /// <summary>The attacker child process: started with the broker's endpoint and public key, stopped by closing its stdin.</summary>
    private sealed class AttackerProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private bool _stopped;
        private bool _disposed;

        private AttackerProcess(Process process) => _process = process;

        public static async Task<AttackerProcess> StartAsync(string endpoint, CurveKeyPair brokerKeys, int connections, int? core, CancellationToken ct)
        {
            var info = new ProcessStartInfo(core is null ? "dotnet" : "taskset") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true };
            string[] pinned = core is { } c ? ["-c", c.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet"] : [];
            foreach (var arg in (string[])[.. pinned, typeof(BusUnderAttackBenchmark).Assembly.Location, "bus-attacker", "--connections", connections.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                info.ArgumentList.Add(arg);
            }

            info.Environment["AICO_BENCH_ENDPOINT"] = endpoint;
            info.Environment["AICO_BENCH_BROKER_KEY"] = brokerKeys.PublicKeyZ85;
            var attacker = new AttackerProcess(Process.Start(info)!);
            if (await attacker._process.StandardOutput.ReadLineAsync(ct) != "ready")
            {
                await attacker.DisposeAsync();
                throw new InvalidOperationException("the attacker process did not start");
            }

            return attacker;
        }

        /// <summary>Closes its stdin and returns what it reports it did.</summary>
        public async Task<string> StopAsync()
        {
            _stopped = true;
            _process.StandardInput.Close();
            var report = await _process.StandardOutput.ReadLineAsync() ?? "(no report)";
            await DisposeAsync();
            return report;
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (!_stopped)
            {
                _stopped = true;
                _process.StandardInput.Close();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }
}
