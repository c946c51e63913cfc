using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AICO.Gateway.Access;

/// <summary>
/// Cross-origin access is off unless origins are configured: without the CORS middleware no response carries
/// Access-Control-Allow-Origin, so a browser page from another origin can neither read answers nor preflight a call.
/// </summary>
internal static class GatewayCors
{
    public const string PolicyName = "configured-origins";

    public static IServiceCollection AddGatewayCors(this IServiceCollection services, GatewayOptions options)
    {
        if (options.CorsOrigins.Length > 0)
        {
            services.AddCors(o => o.AddPolicy(PolicyName, policy => policy
                .WithOrigins(options.CorsOrigins)
                .WithHeaders("Authorization", "Content-Type", "Accept")
                .WithMethods("GET", "POST", "DELETE")));
        }

        return services;
    }

    public static WebApplication UseGatewayCors(this WebApplication app, GatewayOptions options)
    {
        if (options.CorsOrigins.Length > 0)
        {
            app.UseCors(PolicyName);
        }

        return app;
    }
}
