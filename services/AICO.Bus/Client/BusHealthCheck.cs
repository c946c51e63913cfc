using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AICO.Bus;

/// <summary>"bus": Healthy only when authenticated; otherwise Unhealthy with the client's reason (never a secret).</summary>
internal sealed class BusHealthCheck(IBusClient client) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["component"] = client.Component,
            ["state"] = client.State.ToString(),
        };
        if (client is BusClient bus)
        {
            data["endpoint"] = bus.Endpoint;
            data["dropped"] = bus.Dropped;
            data["denied"] = bus.Denied;
        }

        return Task.FromResult(client.State == BusConnectionState.Authenticated
            ? HealthCheckResult.Healthy(client.StatusReason, data)
            : HealthCheckResult.Unhealthy(client.StatusReason, data: data));
    }
}
