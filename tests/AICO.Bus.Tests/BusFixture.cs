using AICO.Security;

namespace AICO.Bus.Tests;

/// <summary>A real broker on an ephemeral loopback port plus the clients a test creates; all disposed together.</summary>
internal sealed class BusFixture : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly List<IAsyncDisposable> _owned = [];

    public BusFixture(BrokerOptions? options = null)
    {
        Options = options ?? new BrokerOptions();
        Options.Endpoint = "tcp://127.0.0.1:0";
        Broker = StartBroker(Options);
        Endpoint = Broker.BoundEndpoint;
    }

    public BusTestKeys Keys { get; } = new();
    public BrokerOptions Options { get; }
    public BrokerEngine Broker { get; private set; }
    public string Endpoint { get; }

    public static CancellationToken Timeout() => new CancellationTokenSource(Deadline).Token;

    /// <summary>Stops the broker and starts a new one on the same port (a broker restart).</summary>
    public async Task RestartBrokerAsync()
    {
        await Broker.DisposeAsync();
        var options = new BrokerOptions { Endpoint = Endpoint, HeartbeatInterval = Options.HeartbeatInterval, Permissions = Options.Permissions };
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            try
            {
                Broker = StartBroker(options);
                return;
            }
            catch (Exception ex) when (ex is NetMQ.NetMQException or System.Net.Sockets.SocketException && DateTime.UtcNow < deadline)
            {
                // The old listener's port is released asynchronously by NetMQ's IO thread.
                await Task.Delay(100);
            }
        }
    }

    public BusClient Client(string component, CurveKeyPair? keyPair = null, string? brokerPublicKey = null, string? endpoint = null, TimeSpan? welcomeTimeout = null)
    {
        var client = new BusClient(
            Keys.For(component, keyPair, brokerPublicKey),
            new BusClientOptions
            {
                Endpoint = endpoint ?? Endpoint,
                WelcomeTimeout = welcomeTimeout ?? TimeSpan.FromSeconds(5),
                MaxReconnectDelay = TimeSpan.FromSeconds(1),
            });
        _owned.Add(client);
        client.Start();
        return client;
    }

    public async Task<BusClient> AuthenticatedClientAsync(string component)
    {
        var client = Client(component);
        await client.WaitUntilAuthenticatedAsync(Timeout());
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        await Broker.DisposeAsync();
    }

    private BrokerEngine StartBroker(BrokerOptions options)
    {
        var broker = new BrokerEngine(Keys.Broker, Keys.AllowList, options);
        broker.Start();
        return broker;
    }
}
