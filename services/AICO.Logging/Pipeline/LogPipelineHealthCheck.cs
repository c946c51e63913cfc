using AICO.Bus;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AICO.Logging.Pipeline;

/// <summary>
/// The log pipeline as seen from this process: whether the broker lists the consumer, and every producer's backlog
/// from the runtime directory. Degraded (with the reason) while no consumer is subscribed or records were dropped;
/// the figures are in the check's data either way.
/// </summary>
internal sealed class LogPipelineHealthCheck(IBusClient bus, string runtimeDirectory, TimeProvider time) : IHealthCheck
{
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        bool? subscribed = null;
        if (bus.State == BusConnectionState.Authenticated)
        {
            try
            {
                subscribed = LogTopics.ConsumerSubscribed(await bus.GetBrokerStatusAsync(cancellationToken).WaitAsync(StatusTimeout, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Unknown from the broker: the producers' gates tell instead.
            }
        }

        var status = LogPipelineStatus.Read(runtimeDirectory, time.GetUtcNow(), subscribed);
        var data = new Dictionary<string, object>
        {
            ["consumer_subscribed"] = status.ConsumerSubscribed?.ToString() ?? "unknown",
            ["buffered_records"] = status.BufferedRecords,
            ["unacknowledged_records"] = status.UnacknowledgedRecords,
            ["spooled_records"] = status.SpooledRecords,
            ["spool_bytes"] = status.SpoolBytes,
            ["dropped_records"] = status.DroppedRecords,
            ["oldest_unacknowledged_age_seconds"] = status.OldestUnacknowledgedAgeSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none",
            ["oldest_spooled_age_seconds"] = status.OldestSpooledAgeSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none",
            ["producers"] = status.Producers.Count,
        };
        return status.ConsumerSubscribed == false
            ? HealthCheckResult.Degraded(status.Summary(), data: data)
            : HealthCheckResult.Healthy(status.Summary(), data);
    }
}
