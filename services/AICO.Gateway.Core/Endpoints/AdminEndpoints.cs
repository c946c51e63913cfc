using AICO.Bus;
using AICO.Gateway.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AICO.Gateway.Endpoints;

/// <summary>The answer to POST /api/v1/admin/shutdown.</summary>
public sealed record ShutdownAccepted(string Status);

/// <summary>/api/v1/admin/*: bearer token with the admin role (401 without a valid token, 403 with another role).</summary>
internal static class AdminEndpoints
{
    public static RouteGroupBuilder MapAdminEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/bus", BusStatusAsync)
            .WithName("AdminBusStatus")
            .WithSummary("The broker's view: connected clients, their subscriptions, drops and denials.")
            .Produces<BrokerStatus>()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        admin.MapPost("/shutdown", Shutdown)
            .WithName("AdminShutdown")
            .WithSummary("Stops the gateway gracefully: requests in flight finish, the bus client says goodbye.")
            .Produces<ShutdownAccepted>(StatusCodes.Status202Accepted);
        return admin;
    }

    private static async Task<Results<Ok<BrokerStatus>, ProblemHttpResult>> BusStatusAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (context.RequestServices.GetService<IBusClient>() is not { } bus)
        {
            return TypedResults.Problem("this gateway runs without a bus client", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Bus unavailable");
        }

        if (bus.State != BusConnectionState.Authenticated)
        {
            return TypedResults.Problem($"the gateway is not connected to the bus ({bus.State}: {bus.StatusReason})", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Bus unavailable");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            return TypedResults.Ok(await bus.GetBrokerStatusAsync(timeout.Token));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TypedResults.Problem("the broker did not answer the status request within 10 s", statusCode: StatusCodes.Status504GatewayTimeout, title: "Broker timeout");
        }
    }

    private static Accepted<ShutdownAccepted> Shutdown(HttpContext context, IHostApplicationLifetime lifetime)
    {
        context.Response.OnCompleted(() =>
        {
            lifetime.StopApplication();
            return Task.CompletedTask;
        });
        return TypedResults.Accepted((string?)null, new ShutdownAccepted("stopping"));
    }
}
