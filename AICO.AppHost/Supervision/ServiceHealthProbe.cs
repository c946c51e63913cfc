using System.Net.Http;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

/// <summary>
/// Reads a service's own <c>/health</c> report (the JSON every AICO process writes) and keeps its verdict: Degraded
/// stays Degraded with the reasons of the checks that are not Healthy. Aspire's URL health check would call any
/// 200 Healthy, and ASP.NET answers 200 for Degraded.
/// </summary>
/// <param name="serviceUrls">The URLs the running process was given (its effective ASPNETCORE_URLS); null before it runs.</param>
internal sealed class ServiceHealthProbe(EndpointReference endpoint, Func<string?> serviceUrls, string path = "/health")
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = TimeSpan.FromSeconds(3),
    };

    /// <summary>The probe of <paramref name="resource"/>'s endpoint, reading the process's own address from its current snapshot.</summary>
    public static ServiceHealthProbe For(IResourceWithEndpoints resource, string endpointName, ResourceNotificationService notifications) =>
        new(resource.GetEndpoint(endpointName), () =>
            notifications.TryGetCurrentState(resource.Name, out var current)
                ? current.Snapshot.EnvironmentVariables.FirstOrDefault(e => e.Name == "ASPNETCORE_URLS")?.Value
                : null);

    public async Task<HealthCheckResult> ProbeAsync(CancellationToken cancellationToken)
    {
        if (!endpoint.IsAllocated)
        {
            return HealthCheckResult.Unhealthy("endpoint not allocated yet");
        }

        try
        {
            using var response = await Http.GetAsync(new Uri(Address(), path), cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return Interpret((int)response.StatusCode, body);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{path} not answering: {ex.Message}");
        }
    }

    /// <summary>
    /// The service's own address, not Aspire's proxy: while the service is down the proxy accepts the connection and
    /// holds it until the request times out (3 s here), which would hide for seconds that it came back. DCP gives the
    /// process its own port through ASPNETCORE_URLS, resolved per run (EndpointProperty.TargetPort is only DCP's
    /// template for it, "{{- portForServing ... -}}"); until the process runs the proxy's address is all there is.
    /// </summary>
    internal Uri Address()
    {
        foreach (var url in (serviceUrls() ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == endpoint.Scheme && uri.Port > 0)
            {
                return new UriBuilder(uri.Scheme, uri.Host, uri.Port).Uri;
            }
        }

        return new Uri(endpoint.Url);
    }

    /// <summary>The verdict of one /health answer: its own status, and the reasons of the checks that are not Healthy.</summary>
    internal static HealthCheckResult Interpret(int statusCode, string body)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            return statusCode is >= 200 and < 300
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"HTTP {statusCode}");
        }

        var status = root.TryGetProperty("status", out var s) && Enum.TryParse<HealthStatus>(s.GetString(), out var parsed)
            ? parsed
            : statusCode is >= 200 and < 300 ? HealthStatus.Healthy : HealthStatus.Unhealthy;
        var reasons = new List<string>();
        if (root.TryGetProperty("checks", out var checks) && checks.ValueKind == JsonValueKind.Object)
        {
            foreach (var check in checks.EnumerateObject())
            {
                var checkStatus = check.Value.TryGetProperty("status", out var cs) ? cs.GetString() : null;
                if (checkStatus != nameof(HealthStatus.Healthy))
                {
                    var description = check.Value.TryGetProperty("description", out var d) ? d.GetString() : null;
                    reasons.Add($"{check.Name} {checkStatus}: {description}");
                }
            }
        }

        var reason = reasons.Count > 0 ? string.Join("; ", reasons) : null;
        return new HealthCheckResult(status, reason);
    }
}
