using AICO.Bus;
using AICO.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AICO.Logging;

/// <summary>
/// Attaches the process's bus client to the bus logger once the container is built (resolving it while the logger
/// factory is being built would be circular: the bus client itself takes loggers), and flushes on shutdown.
/// </summary>
internal sealed class BusLoggingService(BusLoggerProvider provider, IServiceProvider services, BusLoggingOptions options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        IBusClient? bus;
        try
        {
            bus = services.GetService<IBusClient>();
        }
        catch (Exception ex)
        {
            provider.Disable($"the bus client could not be created ({ex.GetType().Name}: {ex.Message})");
            return Task.CompletedTask;
        }

        if (bus is null)
        {
            provider.Disable("no bus client is configured in this process");
            return Task.CompletedTask;
        }

        var paths = AicoPaths.FromEnvironment();
        provider.Start(bus, paths.RuntimeDirectory, SpoolKey(bus.Component, paths));
        return Task.CompletedTask;
    }

    /// <summary>The injected spool key, else the one derived from the key store; null (spool off, said once) when neither works.</summary>
    private byte[]? SpoolKey(string component, AicoPaths paths)
    {
        var configuration = services.GetService<IConfiguration>();
        try
        {
            return ComponentKeys.Resolve(component, name => configuration?[name], paths).LogSpoolKey;
        }
        catch (Exception ex) when (ex is KeyStoreException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            LoggingDiagnostics.Write($"warning: no log spool key for {component} ({ex.Message})");
            return null;
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (provider.Shipper is not null && provider.Gate?.IsOpen == true)
        {
            await provider.FlushAsync(options.ShutdownFlushTimeout, cancellationToken).ConfigureAwait(false);
        }

        await provider.StopAsync().ConfigureAwait(false);
    }
}
