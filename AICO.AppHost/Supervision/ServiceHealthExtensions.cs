using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

/// <summary>
/// <c>.WithServiceHealthCheck()</c>: the service's own /health verdict in the dashboard, Degraded with its reasons
/// included, seen within a second of a change (instead of <c>WithHttpHealthCheck</c>, which shows any 200 as Healthy).
/// </summary>
internal static class ServiceHealthExtensions
{
    public static IResourceBuilder<ProjectResource> WithServiceHealthCheck(this IResourceBuilder<ProjectResource> resource, string endpointName = "http")
    {
        var name = resource.Resource.Name;
        ServiceHealthCheck? check = null;
        var key = $"{name}_health";
        resource.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key, services =>
        {
            var notifications = services.GetRequiredService<ResourceNotificationService>();
            return check ??= new ServiceHealthCheck(
                ServiceHealthProbe.For(resource.Resource, endpointName, notifications),
                () => notifications.TryGetCurrentState(name, out var current) ? current.Snapshot.StartTimeStamp : null,
                TimeProvider.System);
        }, failureStatus: null, tags: null));
        return resource.WithHealthCheck(key);
    }
}
