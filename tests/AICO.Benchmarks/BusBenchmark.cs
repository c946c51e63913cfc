using System.Diagnostics;
using AICO.Bus;
using AICO.Security;
using NetMQ;
using NetMQ.Sockets;

namespace AICO.Benchmarks;

/// <summary>
/// One run, same load on both: (1) a raw NetMQ CURVE XSUB/XPUB proxy, one publisher, one subscriber, HWM 0;
/// (2) the AICO broker with authenticated clients (handshake, sealed sessions, permissions). Then request/reply
/// round trips through the AICO broker. Options: --messages N (100000), --size BYTES (200), --requests N (5000).
/// </summary>
internal static class BusBenchmark
{
    private static readonly TimeSpan LossWait = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string[] args)
    {
        var messages = Option(args, "--messages", 100_000);
        var size = Option(args, "--size", 200);
        var requests = Option(args, "--requests", 5_000);
        ThreadPool.SetMinThreads(16, 16);

        Console.WriteLine($"bus benchmark: {messages:N0} messages of {size} B, {requests:N0} requests, {Environment.ProcessorCount} cores");
        var raw = RawCurveProxy(messages, size);
        Console.WriteLine($"  raw NetMQ CURVE XSUB/XPUB proxy: {raw.Rate:N0} msgs/s, lost {raw.Lost:N0}");
        var aico = await AicoBrokerAsync(messages, size, greetingGate: true);
        Console.WriteLine($"  AICO broker (authenticated, sealed, behind the greeting gate): {aico.Rate:N0} msgs/s, lost {aico.Lost:N0}");
        var ungated = await AicoBrokerAsync(messages, size, greetingGate: false);
        Console.WriteLine($"  AICO broker without the gate (router on the public port): {ungated.Rate:N0} msgs/s, lost {ungated.Lost:N0}");
        var (p50, p99, mean) = await RequestReplyAsync(requests);

        Console.WriteLine();
        Console.WriteLine("| path | msgs/s | lost | ratio to raw |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Console.WriteLine($"| raw NetMQ CURVE XSUB/XPUB proxy, HWM 0 | {raw.Rate:N0} | {raw.Lost:N0} | 1.00x |");
        Console.WriteLine($"| AICO broker, authenticated clients, behind the greeting gate | {aico.Rate:N0} | {aico.Lost:N0} | {aico.Rate / raw.Rate:0.00}x |");
        Console.WriteLine($"| AICO broker without the gate (what the relay costs) | {ungated.Rate:N0} | {ungated.Lost:N0} | {ungated.Rate / raw.Rate:0.00}x |");
        Console.WriteLine();
        Console.WriteLine($"request/reply through the AICO broker ({requests:N0} sequential round trips): p50 {p50:0.000} ms, p99 {p99:0.000} ms, mean {mean:0.000} ms");
        return aico.Lost == 0 ? 0 : 1;
    }

    private static (double Rate, long Lost) RawCurveProxy(int messages, int size)
    {
        var server = new NetMQCertificate();
        using var xsub = new XSubscriberSocket();
        using var xpub = new XPublisherSocket();
        foreach (var socket in new NetMQSocket[] { xsub, xpub })
        {
            socket.Options.CurveServer = true;
            socket.Options.CurveCertificate = server;
            socket.Options.SendHighWatermark = 0;
            socket.Options.ReceiveHighWatermark = 0;
            socket.Options.Linger = TimeSpan.Zero;
        }

        var inPort = xsub.BindRandomPort("tcp://127.0.0.1");
        var outPort = xpub.BindRandomPort("tcp://127.0.0.1");
        var proxy = new Proxy(xsub, xpub);
        var proxyTask = Task.Factory.StartNew(proxy.Start, TaskCreationOptions.LongRunning);

        using var publisher = new PublisherSocket();
        using var subscriber = new SubscriberSocket();
        foreach (var socket in new NetMQSocket[] { publisher, subscriber })
        {
            socket.Options.CurveServerCertificate = NetMQCertificate.FromPublicKey(server.PublicKeyZ85);
            socket.Options.CurveCertificate = new NetMQCertificate();
            socket.Options.SendHighWatermark = 0;
            socket.Options.ReceiveHighWatermark = 0;
            socket.Options.Linger = TimeSpan.Zero;
        }

        publisher.Connect($"tcp://127.0.0.1:{inPort}");
        subscriber.Connect($"tcp://127.0.0.1:{outPort}");
        subscriber.Subscribe("logs/");

        // Slow joiner: publish warm-up messages until the subscription has reached the publisher.
        var warm = "logs/warmup"u8.ToArray();
        while (true)
        {
            publisher.SendFrame(warm);
            if (subscriber.TryReceiveFrameBytes(TimeSpan.FromMilliseconds(50), out _))
            {
                break;
            }
        }

        while (subscriber.TryReceiveFrameBytes(TimeSpan.FromMilliseconds(200), out _))
        {
        }

        var payload = new byte[size];
        "logs/bench/"u8.CopyTo(payload);
        long received = 0;
        var done = new ManualResetEventSlim();
        var receiver = new Thread(() =>
        {
            var deadline = Stopwatch.StartNew();
            while (received < messages && deadline.Elapsed < TimeSpan.FromMinutes(2))
            {
                if (subscriber.TryReceiveFrameBytes(LossWait, out _))
                {
                    received++;
                }
                else
                {
                    break;
                }
            }

            done.Set();
        });
        var clock = Stopwatch.StartNew();
        receiver.Start();
        for (var i = 0; i < messages; i++)
        {
            publisher.SendFrame(payload);
        }

        done.Wait();
        var elapsed = clock.Elapsed - (received < messages ? LossWait : TimeSpan.Zero);
        proxy.Stop();
        proxyTask.Wait(TimeSpan.FromSeconds(5));
        return (received / elapsed.TotalSeconds, messages - received);
    }

    private static async Task<(double Rate, long Lost)> AicoBrokerAsync(int messages, int size, bool greetingGate)
    {
        var keys = Components.Clients.ToDictionary(c => c, _ => CurveKeyPair.Generate());
        var brokerKeys = CurveKeyPair.Generate();
        await using var broker = new BrokerEngine(brokerKeys, keys.ToDictionary(k => k.Key, k => k.Value.PublicKeyZ85), new BrokerOptions { Endpoint = "tcp://127.0.0.1:0", UseGreetingGate = greetingGate });
        broker.Start();
        await using var publisher = Client(broker, brokerKeys, Components.Gateway, keys);
        await using var subscriber = Client(broker, brokerKeys, Components.LogConsumer, keys);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await publisher.WaitUntilAuthenticatedAsync(cts.Token);
        await subscriber.WaitUntilAuthenticatedAsync(cts.Token);

        long received = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await subscriber.SubscribeAsync("logs/", (_, _) =>
        {
            if (Interlocked.Increment(ref received) == messages)
            {
                all.TrySetResult();
            }

            return Task.CompletedTask;
        }, cts.Token);

        var payload = new byte[size];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < messages; i++)
        {
            if (!publisher.TryPublish("logs/gateway/bench", "log", payload))
            {
                await publisher.PublishAsync("logs/gateway/bench", "log", payload, cancellationToken: cts.Token);
            }
        }

        var finished = await Task.WhenAny(all.Task, Task.Delay(TimeSpan.FromMinutes(1))) == all.Task;
        var elapsed = clock.Elapsed;
        if (!finished)
        {
            Console.WriteLine($"  AICO: only {Interlocked.Read(ref received):N0} of {messages:N0} arrived within a minute (publisher dropped {publisher.Dropped}, subscriber dropped {subscriber.Dropped})");
        }

        return (Interlocked.Read(ref received) / elapsed.TotalSeconds, messages - Interlocked.Read(ref received));
    }

    private static async Task<(double P50, double P99, double Mean)> RequestReplyAsync(int requests)
    {
        var keys = Components.Clients.ToDictionary(c => c, _ => CurveKeyPair.Generate());
        var brokerKeys = CurveKeyPair.Generate();
        await using var broker = new BrokerEngine(brokerKeys, keys.ToDictionary(k => k.Key, k => k.Value.PublicKeyZ85), new BrokerOptions { Endpoint = "tcp://127.0.0.1:0" });
        broker.Start();
        await using var gateway = Client(broker, brokerKeys, Components.Gateway, keys);
        await using var model = Client(broker, brokerKeys, Components.ModelService, keys);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await gateway.WaitUntilAuthenticatedAsync(cts.Token);
        await model.WaitUntilAuthenticatedAsync(cts.Token);
        await using var echo = await model.SubscribeAsync("modelservice/echo/", (m, ct) => model.ReplyAsync(m, "echo", m.Payload, ct).AsTask(), cts.Token);

        var payload = new byte[64];
        for (var i = 0; i < Math.Min(500, requests); i++)
        {
            await gateway.RequestAsync("modelservice/echo/v1", "echo", payload, TimeSpan.FromSeconds(10), cts.Token);
        }

        var samples = new double[requests];
        for (var i = 0; i < requests; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await gateway.RequestAsync("modelservice/echo/v1", "echo", payload, TimeSpan.FromSeconds(10), cts.Token);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(samples);
        return (samples[(int)(requests * 0.50)], samples[Math.Min(requests - 1, (int)(requests * 0.99))], samples.Average());
    }

    internal static BusClient Client(BrokerEngine broker, CurveKeyPair brokerKeys, string component, Dictionary<string, CurveKeyPair> keys)
    {
        var client = new BusClient(
            new ComponentKeys { Component = component, KeyPair = keys[component], BrokerPublicKeyZ85 = brokerKeys.PublicKeyZ85 },
            new BusClientOptions { Endpoint = broker.BoundEndpoint });
        client.Start();
        return client;
    }

    internal static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var value) && value > 0 ? value : fallback;
    }
}
