using AICO.Logging;
using Microsoft.Extensions.Hosting;

namespace AICO.LogStore;

/// <summary>Starts the consumer with the host, runs retention in the background, stops both on shutdown.</summary>
internal sealed class LogConsumerHostedService(LogConsumer consumer, LogRetention retention, LogConsumerOptions options) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        consumer.Start();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.RetentionInterval);
        do
        {
            try
            {
                var deleted = await Task.Run(() => retention.RunOnce(stoppingToken), stoppingToken).ConfigureAwait(false);
                if (deleted > 0)
                {
                    LoggingDiagnostics.Write($"log retention deleted {deleted} rows");
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LoggingDiagnostics.Write($"log retention failed, will try again: {ex.Message}");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await consumer.DisposeAsync().ConfigureAwait(false);
    }
}
