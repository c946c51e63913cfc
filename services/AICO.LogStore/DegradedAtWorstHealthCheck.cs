using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AICO.LogStore;

/// <summary>
/// Another check seen through the log consumer's eyes: its Unhealthy becomes Degraded, reason kept. A database the
/// consumer cannot use (a key that does not open it, an I/O error) leaves the process up and keeping everything it was
/// sent, the producers spooling; the <c>logconsumer</c> check says so as Degraded, and the <c>database</c> check of
/// the storage layer must not turn that into Unhealthy for the whole process (the dashboard shows the worst check).
/// </summary>
internal sealed class DegradedAtWorstHealthCheck(IHealthCheck inner) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = await inner.CheckHealthAsync(context, cancellationToken).ConfigureAwait(false);
        return result.Status == HealthStatus.Unhealthy
            ? new HealthCheckResult(HealthStatus.Degraded, result.Description, result.Exception, result.Data)
            : result;
    }
}
