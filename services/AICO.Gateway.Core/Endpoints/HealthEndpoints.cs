using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AICO.Gateway.Endpoints;

/// <summary>The outcome of one health check as /api/v1/health reports it.</summary>
public sealed record HealthCheckEntry(string Status, string? Description, IReadOnlyDictionary<string, string?> Data);

/// <summary>GET /api/v1/health: every check (bus authenticated, database reachable, model service answering) with its reason.</summary>
public sealed record GatewayHealth(string Status, IReadOnlyDictionary<string, HealthCheckEntry> Checks);

internal static class HealthEndpoints
{
    public static RouteGroupBuilder MapHealthEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/health", HealthAsync)
            .WithName("Health")
            .WithSummary("Detailed health: bus authenticated, database reachable, model service answering. 503 when unhealthy.")
            .Produces<GatewayHealth>(StatusCodes.Status200OK)
            .Produces<GatewayHealth>(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    private static async Task<IResult> HealthAsync(HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(cancellationToken);
        var body = new GatewayHealth(
            report.Status.ToString(),
            report.Entries.ToDictionary(
                e => e.Key,
                e => new HealthCheckEntry(e.Value.Status.ToString(), e.Value.Description ?? e.Value.Exception?.Message, e.Value.Data.ToDictionary(d => d.Key, d => d.Value?.ToString()))));
        return TypedResults.Json(body, statusCode: report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }
}
