using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.DependencyInjection;

namespace AICO.Gateway.Access;

/// <summary>
/// Only loopback names and the configured ones may appear in the Host header: a web page that re-points its own
/// domain at 127.0.0.1 (DNS rebinding) still sends its own name and is refused with 400 before any endpoint runs.
/// </summary>
internal static class GatewayHostFilter
{
    public static readonly IReadOnlyList<string> LoopbackNames = ["localhost", "127.0.0.1", "[::1]"];

    public static IServiceCollection AddGatewayHostFilter(this IServiceCollection services, GatewayOptions options)
    {
        // ASP.NET Core's web host runs the host filtering middleware first; an explicit list replaces its "*" default.
        services.Configure<HostFilteringOptions>(o =>
        {
            o.AllowedHosts = [.. LoopbackNames, .. options.AllowedHosts.Select(h => h.Trim()).Where(h => h.Length > 0)];
            o.AllowEmptyHosts = false;
            o.IncludeFailureMessage = false;
        });
        return services;
    }
}
