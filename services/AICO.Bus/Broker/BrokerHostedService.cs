using Microsoft.Extensions.Hosting;

namespace AICO.Bus;

/// <summary>Binds and serves the broker for the life of the host.</summary>
internal sealed class BrokerHostedService(BrokerEngine engine) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        engine.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await engine.DisposeAsync().ConfigureAwait(false);
}
