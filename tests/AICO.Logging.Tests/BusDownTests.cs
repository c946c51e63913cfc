using System.Net;
using System.Net.Sockets;
using AICO.Bus;
using AICO.Security;
using Microsoft.Extensions.Logging;

namespace AICO.Logging.Tests;

public class BusDownTests
{
    [Fact]
    public async Task With_the_bus_down_logging_from_inside_bus_code_neither_recurses_nor_feeds_bus_records_into_the_buffer()
    {
        // A port nobody listens on: the real bus client keeps failing to reach a broker.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var sink = new CountingLoggerProvider();
        using var provider = new BusLoggerProvider(new BusLoggingOptions { BufferCapacity = 500, ClosedGatePollInterval = TimeSpan.FromMilliseconds(20) });
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider).AddProvider(sink).SetMinimumLevel(LogLevel.Trace));
        var keys = new ComponentKeys { Component = Components.Gateway, KeyPair = CurveKeyPair.Generate(), BrokerPublicKeyZ85 = CurveKeyPair.Generate().PublicKeyZ85 };
        await using var client = new BusClient(keys, new BusClientOptions
        {
            Endpoint = $"tcp://127.0.0.1:{port}",
            WelcomeTimeout = TimeSpan.FromMilliseconds(300),
            MinReconnectDelay = TimeSpan.FromMilliseconds(50),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
        }, factory.CreateLogger<BusClient>());

        // Application code that logs from inside the bus client's own callbacks, while the bus is down.
        var app = factory.CreateLogger("App.Startup");
        var unreachable = 0;
        client.StateChanged += state =>
        {
            app.LogWarning("bus is {State}", state);
            if (state == BusConnectionState.Unreachable)
            {
                Interlocked.Increment(ref unreachable);
            }
        };

        provider.Start(client);
        client.Start();
        for (var i = 0; i < 100; i++)
        {
            app.LogInformation("startup record {Number}", i);
        }

        await Eventually.TrueAsync(() => Volatile.Read(ref unreachable) >= 1, "a failed connection attempt");
        await provider.StopAsync();

        var calls = new CapturedLogCall[provider.Buffer.Capacity];
        var buffered = calls.AsSpan(0, provider.Buffer.TakeOldest(calls)).ToArray()
            .Select(c => (Message: LogCallFormatter.Message(c), c.Category)).ToList();
        Assert.Equal(100, buffered.Count(e => e.Message.StartsWith("startup record", StringComparison.Ordinal)));
        Assert.Contains(buffered, e => e.Message == "bus is Unreachable");
        Assert.DoesNotContain(buffered, e => BusLoggerProvider.IsInfrastructureCategory(e.Category));
        Assert.True(buffered.Count <= 500);
        // The console-side provider still saw everything the bus client said about its failures.
        Assert.Contains(sink.ByCategory.Keys, c => c.StartsWith("App.", StringComparison.Ordinal));
    }
}
