using AICO.Gateway.Access;
using AICO.Gateway.Auth;
using AICO.Gateway.Console;
using AICO.Gateway.Endpoints;
using AICO.Gateway.Errors;
using AICO.Gateway.Lifecycle;
using AICO.Gateway.ModelService;
using AICO.Models.Contracts;
using AICO.Security;
using AICO.Settings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Scalar.AspNetCore;

namespace AICO.Gateway;

/// <summary>
/// Builds and runs the gateway. The host's Program.cs and the tests go through the same three calls:
/// <see cref="CreateBuilder"/>, <see cref="Build"/>, <see cref="RunAsync"/>.
/// </summary>
public static class GatewayHost
{
    /// <summary>
    /// Web host with every gateway service. The caller adds the bus client (IBusClient) and may replace the
    /// <see cref="IModelServiceClient"/> (the default reaches the model service over the bus).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(GatewayAddress.Default);
        }

        builder.AddServiceDefaults();
        // MVC's ApiExplorer (used by the OpenAPI generator) reports at Information that this app has no controllers.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Mvc.Infrastructure", LogLevel.Warning);
        builder.Logging.AddConsole(o => o.FormatterName = AsciiConsoleFormatter.Name).AddConsoleFormatter<AsciiConsoleFormatter, ConsoleFormatterOptions>();

        var paths = AicoPaths.Resolve(name => builder.Configuration[name]);
        var keys = ComponentKeys.Resolve(Components.Gateway, name => builder.Configuration[name], paths);
        var signingKey = keys.JwtSigningKey ?? throw new KeyStoreException($"The gateway needs {ComponentKeys.JwtSigningKeySetting} (or a key store to derive it from).");

        var services = builder.Services;
        services.AddSingleton(paths);
        services.AddSingleton(keys);
        services.AddSingleton(GatewayRuntimeFiles.For(paths));
        services.TryAddSingleton(TimeProvider.System);
        services.AddValidatedSettings<GatewayOptions>(GatewayOptions.Section);
        var options = ValidatedSettings.Read<GatewayOptions>(builder.Configuration, GatewayOptions.Section);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        services.AddGatewayHostFilter(options);
        services.AddGatewayCors(options);
        services.AddGatewayRateLimiting(options);

        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ModelServiceJsonContext.Default));
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
            c.ProblemDetails.Extensions.TryAdd("traceId", System.Diagnostics.Activity.Current?.TraceId.ToString() ?? c.HttpContext.TraceIdentifier));
        services.AddExceptionHandler<GatewayExceptionHandler>();
        services.AddGatewayAuthentication(signingKey);
        services.AddOpenApi(o =>
        {
            var bearer = new BearerSecurityTransformer();
            o.AddDocumentTransformer(bearer);
            o.AddOperationTransformer(bearer);
        });

        services.TryAddSingleton<IModelServiceClient, BusModelServiceClient>();
        services.TryAddSingleton<Logs.LogReader>();
        services.AddHostedService<ShutdownFileWatcher>();
        services.AddHealthChecks().AddCheck<ModelServiceAnsweringHealthCheck>("modelservice");
        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseGatewayCors(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GatewayOptions>>().Value);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        app.MapDefaultEndpoints();
        app.MapOpenApi("/openapi/{documentName}.json");
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference();
        }

        // Health is the only anonymous endpoint; every other one needs a token and is rate limited per token.
        var api = app.MapGroup("/api/v1").WithTags("AICO");
        api.MapHealthEndpoints();
        Secured(api, GatewayPolicies.User).MapModelEndpoints();
        var admin = Secured(api.MapGroup("/admin"), GatewayRoles.AdminPolicy).MapAdminEndpoints();
        Secured(api, GatewayRoles.AdminPolicy).MapLogsEndpoints(admin);
        return app;
    }

    private static RouteGroupBuilder Secured(RouteGroupBuilder group, string policy) => group.MapGroup("")
        .RequireAuthorization(policy)
        .RequireRateLimiting(GatewayRateLimiting.PerTokenPolicy)
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status429TooManyRequests);

    /// <summary>Serves until SIGTERM, the shutdown file or an admin shutdown; the pid file exists exactly while serving.</summary>
    public static async Task RunAsync(WebApplication app)
    {
        var files = app.Services.GetRequiredService<GatewayRuntimeFiles>();
        using var pid = new PidFile(files.PidFile);
        app.Lifetime.ApplicationStarted.Register(pid.Write);
        await app.RunAsync();
    }
}
