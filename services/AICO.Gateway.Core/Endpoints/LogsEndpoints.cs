using AICO.Gateway.Auth;
using AICO.Gateway.Logs;
using AICO.LogStore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace AICO.Gateway.Endpoints;

/// <summary>GET /api/v1/logs (the filters of `aico logs ls`, cursor paging) and the admin log operations.</summary>
internal static class LogsEndpoints
{
    private const int DefaultPageSize = 100;

    public static RouteGroupBuilder MapLogsEndpoints(this RouteGroupBuilder api, RouteGroupBuilder admin)
    {
        api.MapGet("/logs", QueryAsync)
            .WithName("Logs")
            .WithSummary("Log records from the encrypted database, newest first; pass next_cursor as cursor for older ones.")
            .Produces<LogPage>()
            .ProducesValidationProblem();

        admin.MapGet("/logs/stats", StatsAsync)
            .WithName("AdminLogStats")
            .WithSummary("Rows in the logs table, its time span, rows per level and per subsystem.")
            .Produces<LogStatistics>();

        admin.MapDelete("/logs", DeleteAsync)
            .WithName("AdminDeleteLogs")
            .WithSummary("Deletes log records older than 'before' (ISO 8601).")
            .Produces<LogsDeleted>()
            .ProducesValidationProblem();
        return api;
    }

    private static async Task<Results<Ok<LogPage>, ValidationProblem>> QueryAsync(
        [FromServices] LogReader store,
        [FromServices] TimeProvider time,
        [FromQuery] string? level,
        [FromQuery] string? component,
        [FromQuery] string? subsystem,
        [FromQuery] string? since,
        [FromQuery] string? until,
        [FromQuery(Name = "trace_id")] string? traceId,
        [FromQuery] string? grep,
        [FromQuery] int? limit,
        [FromQuery] long? cursor,
        CancellationToken cancellationToken)
    {
        var text = new LogFilterText { Level = level, Component = component, Subsystem = subsystem, Since = since, Until = until, TraceId = traceId, Grep = grep };
        var filter = text.ToFilter(time.GetUtcNow(), out var problems);
        var errors = problems.ToDictionary(p => p.Key, p => new[] { p.Value });
        if (limit is < 1 or > LogReader.MaxPageSize)
        {
            errors["limit"] = [$"must be between 1 and {LogReader.MaxPageSize}"];
        }

        if (cursor is < 1)
        {
            errors["cursor"] = ["must be a nextCursor from a previous page"];
        }

        if (filter is null || errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid request");
        }

        return TypedResults.Ok(await store.QueryAsync(filter with { Limit = limit ?? DefaultPageSize, BeforeId = cursor }, cancellationToken));
    }

    private static async Task<Ok<LogStatistics>> StatsAsync([FromServices] LogReader store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.StatsAsync(cancellationToken));

    private static async Task<Ok<LogsDeleted>> DeleteAsync([FromServices] LogReader store, [FromQuery] DateTimeOffset before, CancellationToken cancellationToken) =>
        TypedResults.Ok(new LogsDeleted(await store.DeleteBeforeAsync(before, cancellationToken), LogTimestamps.ToText(before)));

}
