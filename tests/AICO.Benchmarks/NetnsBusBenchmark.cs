using System.Diagnostics;
using System.Runtime.InteropServices;
using AICO.Bus;
using AICO.Security;

namespace AICO.Benchmarks;

/// <summary>
/// Request/reply latency through the AICO broker when the responder sits on another host (a network namespace joined by
/// a veth pair, created and deleted here; needs root), next to the same responder process on loopback, in the same run.
/// The broker and the requester run in this process; the responder is a child process (`bus-echo`) in both cases.
/// Options: --requests N (3000).
/// </summary>
internal static class NetnsBusBenchmark
{
    private const string HostAddress = "10.13.0.1";
    private const string RemoteAddress = "10.13.0.2";

    public static async Task<int> RunAsync(string[] args)
    {
        if (geteuid() != 0)
        {
            Console.Error.WriteLine("bus-netns needs root: it creates a network namespace and a veth pair (ip netns)");
            return 2;
        }

        var at = Array.IndexOf(args, "--requests");
        var requests = at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var n) && n > 0 ? n : 3_000;
        ThreadPool.SetMinThreads(16, 16);
        var keys = Components.Clients.ToDictionary(c => c, _ => CurveKeyPair.Generate());
        var brokerKeys = CurveKeyPair.Generate();
        await using var broker = new BrokerEngine(brokerKeys, keys.ToDictionary(k => k.Key, k => k.Value.PublicKeyZ85),
            new BrokerOptions { Endpoint = "tcp://127.0.0.1:0", BindAddress = "0.0.0.0" });
        broker.Start();
        var port = broker.BoundEndpoint[(broker.BoundEndpoint.LastIndexOf(':') + 1)..];
        await using var gateway = new BusClient(
            new ComponentKeys { Component = Components.Gateway, KeyPair = keys[Components.Gateway], BrokerPublicKeyZ85 = brokerKeys.PublicKeyZ85 },
            new BusClientOptions { Endpoint = $"tcp://127.0.0.1:{port}" });
        gateway.Start();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await gateway.WaitUntilAuthenticatedAsync(cts.Token);

        var ns = "aico-bench-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        var link = "vb" + ns[^6..];
        Console.WriteLine($"bus-netns benchmark: {requests:N0} sequential request/reply round trips of 64 B per path, {Environment.ProcessorCount} cores");
        Console.WriteLine($"load before: {File.ReadAllText("/proc/loadavg").Trim()}");
        try
        {
            Ip("netns", "add", ns);
            Ip("link", "add", link, "type", "veth", "peer", "name", "vr" + ns[^6..], "netns", ns);
            Ip("addr", "add", HostAddress + "/30", "dev", link);
            Ip("link", "set", link, "up");
            Ip("netns", "exec", ns, "ip", "addr", "add", RemoteAddress + "/30", "dev", "vr" + ns[^6..]);
            Ip("netns", "exec", ns, "ip", "link", "set", "vr" + ns[^6..], "up");
            Ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");

            var echo = keys[Components.ModelService];
            var loopback = await MeasureAsync(gateway, "loopback", null, $"tcp://127.0.0.1:{port}", brokerKeys, echo, requests, cts.Token);
            var remote = await MeasureAsync(gateway, "link", ns, $"tcp://{HostAddress}:{port}", brokerKeys, echo, requests, cts.Token);

            Console.WriteLine($"load after: {File.ReadAllText("/proc/loadavg").Trim()}");
            Console.WriteLine();
            Console.WriteLine("| responder | p50 ms | p99 ms | mean ms | p50 ratio to loopback |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
            Console.WriteLine($"| other process, loopback | {loopback.P50:0.000} | {loopback.P99:0.000} | {loopback.Mean:0.000} | 1.00x |");
            Console.WriteLine($"| other namespace, veth link | {remote.P50:0.000} | {remote.P99:0.000} | {remote.Mean:0.000} | {remote.P50 / loopback.P50:0.00}x |");
            return 0;
        }
        finally
        {
            TryIp("link", "del", link);
            TryIp("netns", "del", ns);
        }
    }

    /// <summary>`bus-echo`: the responder child. Env AICO_BENCH_ENDPOINT, AICO_BENCH_BROKER_KEY, AICO_BENCH_SECRET, AICO_BENCH_TOPIC; runs until stdin closes.</summary>
    public static async Task<int> EchoAsync(string[] args)
    {
        string Env(string name) => Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException(name + " is not set");
        await using var model = new BusClient(
            new ComponentKeys { Component = Components.ModelService, KeyPair = CurveKeyPair.FromSecretKeyZ85(Env("AICO_BENCH_SECRET")), BrokerPublicKeyZ85 = Env("AICO_BENCH_BROKER_KEY") },
            new BusClientOptions { Endpoint = Env("AICO_BENCH_ENDPOINT") });
        model.Start();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await model.WaitUntilAuthenticatedAsync(cts.Token);
        await using var echo = await model.SubscribeAsync(Env("AICO_BENCH_TOPIC"), (m, ct) => model.ReplyAsync(m, "echo", m.Payload, ct).AsTask(), cts.Token);
        Console.WriteLine("ready");
        await Console.In.ReadToEndAsync();
        return 0;
    }

    private static async Task<(double P50, double P99, double Mean)> MeasureAsync(
        BusClient gateway, string name, string? ns, string endpoint, CurveKeyPair brokerKeys, CurveKeyPair echoKeys, int requests, CancellationToken ct)
    {
        var topic = $"modelservice/echo-{name}/";
        var info = new ProcessStartInfo(ns is null ? "dotnet" : "ip") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var arg in (string[])[.. ns is null ? [] : new[] { "netns", "exec", ns, "dotnet" }, typeof(NetnsBusBenchmark).Assembly.Location, "bus-echo"])
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["AICO_BENCH_ENDPOINT"] = endpoint;
        info.Environment["AICO_BENCH_BROKER_KEY"] = brokerKeys.PublicKeyZ85;
        info.Environment["AICO_BENCH_SECRET"] = echoKeys.SecretKeyZ85;
        info.Environment["AICO_BENCH_TOPIC"] = topic;
        using var child = Process.Start(info)!;
        try
        {
            if (await child.StandardOutput.ReadLineAsync(ct) != "ready")
            {
                throw new InvalidOperationException($"the {name} responder did not start");
            }

            var payload = new byte[64];
            for (var i = 0; i < Math.Min(300, requests); i++)
            {
                await gateway.RequestAsync(topic + "v1", "echo", payload, TimeSpan.FromSeconds(10), ct);
            }

            var samples = new double[requests];
            for (var i = 0; i < requests; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await gateway.RequestAsync(topic + "v1", "echo", payload, TimeSpan.FromSeconds(10), ct);
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            Array.Sort(samples);
            return (samples[requests / 2], samples[Math.Min(requests - 1, (int)(requests * 0.99))], samples.Average());
        }
        finally
        {
            child.StandardInput.Close();
            if (!child.WaitForExit(10_000))
            {
                child.Kill(entireProcessTree: true);
            }
        }
    }

    private static void Ip(params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("ip", args) { UseShellExecute = false, RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)}: {error.Trim()}");
        }
    }

    private static void TryIp(params string[] args)
    {
        try
        {
            Ip(args);
        }
        catch (InvalidOperationException)
        {
            // Already gone (a veth pair disappears with its namespace).
        }
    }

    [DllImport("libc")]
    private static extern uint geteuid();
}
