using System.Security.Cryptography;
using AICO.Bus;
using AICO.Security;

namespace AICO.TestSupport;

/// <summary>A real broker on an ephemeral loopback port with freshly derived keys, and authenticated clients.</summary>
public sealed class TestBus : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly KeyDerivation _keys = new(RandomNumberGenerator.GetBytes(MasterKeyStore.MasterKeyLength));
    private readonly List<BusClient> _clients = [];

    private TestBus()
    {
        var broker = ComponentKeys.Derive(_keys, Components.Broker);
        Broker = new BrokerEngine(broker.KeyPair, broker.AllowList, new BrokerOptions { Endpoint = "tcp://127.0.0.1:0" });
        Broker.Start();
    }

    public BrokerEngine Broker { get; }

    public string Endpoint => Broker.BoundEndpoint;

    public static TestBus Start() => new();

    public async Task<BusClient> ClientAsync(string component)
    {
        var client = new BusClient(ComponentKeys.Derive(_keys, component), new BusClientOptions { Endpoint = Endpoint });
        _clients.Add(client);
        client.Start();
        using var timeout = new CancellationTokenSource(Deadline);
        await client.WaitUntilAuthenticatedAsync(timeout.Token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await Broker.DisposeAsync();
    }
}
