using AICO.Bus;
using AICO.Logging;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AICO.LogStore;

/// <summary>
/// Readiness of the log consumer: Healthy only when its bus client is authenticated, the broker confirms its
/// subscription to <c>logs/</c>, and the database is writable. The AppHost gates on it.
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

        if (consumer.DatabaseProblem is { } problem)
        {
            return HealthCheckResult.Unhealthy(problem);
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
