using AICO.Bus;
using AICO.Security;

namespace AICO.Benchmarks;

/// <summary>A component's bus client on a benchmark's broker, started and authenticated.</summary>
internal static class BenchmarkBusClients
{
    public static async Task<BusClient> ConnectAsync(KeyDerivation keys, string component, string endpoint)
    {
        var client = new BusClient(ComponentKeys.Derive(keys, component), new BusClientOptions { Endpoint = endpoint });
        client.Start();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.WaitUntilAuthenticatedAsync(timeout.Token);
        return client;
    }
}
