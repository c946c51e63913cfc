using Microsoft.Extensions.Hosting;

namespace AICO.Bus;

/// <summary>Starts the bus client with the host (without waiting for the handshake: health reports it) and disposes it on stop.</summary>
internal sealed class BusClientHostedService(BusClient client) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        client.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await client.DisposeAsync().ConfigureAwait(false);
}
