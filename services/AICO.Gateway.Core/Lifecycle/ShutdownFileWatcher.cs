using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AICO.Gateway.Lifecycle;

/// <summary>
/// Polls for gateway.shutdown (four times a second by default); when it appears, deletes it and stops the
/// application gracefully, exactly as SIGTERM would: Kestrel drains requests in flight, then services are disposed.
/// A stale file left from before the start is removed, not obeyed.
/// </summary>
internal sealed partial class ShutdownFileWatcher(
    GatewayRuntimeFiles files, IHostApplicationLifetime lifetime, IOptions<GatewayOptions> options, TimeProvider time, ILogger<ShutdownFileWatcher> logger)
    : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(files.RuntimeDirectory);
        if (File.Exists(files.ShutdownFile))
        {
            File.Delete(files.ShutdownFile);
            LogStale(logger, files.ShutdownFile);
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ShutdownPollInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (!File.Exists(files.ShutdownFile))
            {
                continue;
            }

            try
            {
                File.Delete(files.ShutdownFile);
            }
            catch (IOException ex)
            {
                LogDeleteFailed(logger, ex, files.ShutdownFile);
            }

            LogRequested(logger, files.ShutdownFile);
            lifetime.StopApplication();
            return;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutdown requested by {File}; stopping gracefully")]
    private static partial void LogRequested(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed a stale shutdown file {File} left from an earlier run")]
    private static partial void LogStale(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete the shutdown file {File}")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, string file);
}
