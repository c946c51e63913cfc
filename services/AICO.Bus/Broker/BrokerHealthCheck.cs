using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AICO.Bus;

/// <summary>"broker": Healthy when bound and serving; the data lists the authenticated clients by component.</summary>
internal sealed class BrokerHealthCheck(BrokerEngine engine) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!engine.IsServing)
        {
            return HealthCheckResult.Unhealthy("the broker is not serving");
        }

        var status = await engine.GetStatusAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var data = new Dictionary<string, object>
        {
            ["endpoint"] = engine.BoundEndpoint,
            ["clients"] = status.Clients.Count,
            ["components"] = string.Join(",", status.Clients.Select(c => c.Component).Order(StringComparer.Ordinal)),
            ["denied"] = status.DeniedTotal,
            ["dropped"] = status.DroppedTotal,
        };
        foreach (var (reason, count) in status.Refusals)
        {
            data["refused." + reason] = count;
        }

        return HealthCheckResult.Healthy($"serving on {engine.BoundEndpoint} with {status.Clients.Count} authenticated client(s)", data);
    }
}
