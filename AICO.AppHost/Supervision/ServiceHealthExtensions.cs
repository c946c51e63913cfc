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
        var check = new ServiceHealthCheck(new ServiceHealthProbe(resource.GetEndpoint(endpointName)), TimeProvider.System);
        var key = $"{resource.Resource.Name}_health";
        resource.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key, _ => check, failureStatus: null, tags: null));
        return resource.WithHealthCheck(key);
    }
}
