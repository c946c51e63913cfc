using AICO.Bus;
using AICO.Logging;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AICO.LogStore;

/// <summary>
/// Readiness of the log consumer: Healthy only when its bus client is authenticated, the broker confirms its
/// subscription to <c>logs/</c>, and the database is writable. A database that cannot be written (disk full, I/O
/// error, a key that does not open it), at start or later, makes it Degraded with the database's reason at the first
/// failure: the process is up and keeps every record it was sent, but nothing is being stored. The AppHost gates on
/// it (and shows Degraded as Degraded).
/// </summary>
internal sealed class LogConsumerHealthCheck(LogConsumer consumer, IBusClient bus) : IHealthCheck
{
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (bus.State != BusConnectionState.Authenticated)
        {
            return HealthCheckResult.Unhealthy($"bus client is {bus.State}: {bus.StatusReason}");
        }

        if (!consumer.DatabaseChecked)
        {
            return HealthCheckResult.Unhealthy("starting: database not checked yet");
        }

        if (consumer.DatabaseProblem is { } problem)
        {
            return HealthCheckResult.Degraded(problem, data: new Dictionary<string, object> { ["committed_rows"] = consumer.CommittedRows });
        }

        if (!consumer.Subscribed)
        {
            return HealthCheckResult.Unhealthy($"not yet subscribed to {LogTopics.Prefix}");
        }

        try
        {
            var status = await bus.GetBrokerStatusAsync(cancellationToken).WaitAsync(StatusTimeout, cancellationToken).ConfigureAwait(false);
            if (!LogTopics.ConsumerSubscribed(status))
            {
                return HealthCheckResult.Unhealthy($"the broker does not list a subscription of this consumer to {LogTopics.Prefix}");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"broker status unavailable: {ex.Message}");
        }

        return HealthCheckResult.Healthy(
            $"subscribed to {LogTopics.Prefix}, database writable",
            new Dictionary<string, object> { ["committed_rows"] = consumer.CommittedRows, ["invalid_messages"] = consumer.InvalidMessages });
    }
}
