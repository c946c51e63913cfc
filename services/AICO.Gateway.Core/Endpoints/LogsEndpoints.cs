using AICO.Gateway.Auth;
using AICO.Gateway.Logs;
using AICO.LogStore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace AICO.Gateway.Endpoints;

/// <summary>GET /api/v1/logs (the filters of `aico logs ls`, cursor paging) and the admin log operations.</summary>
internal static class LogsEndpoints
{
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
        [FromQuery] string? level,
        [FromQuery] string? component,
        [FromQuery] string? subsystem,
        [FromQuery] DateTimeOffset? since,
        [FromQuery] DateTimeOffset? until,
        [FromQuery(Name = "trace_id")] string? traceId,
        [FromQuery] string? grep,
        [FromQuery] int? limit,
        [FromQuery] long? cursor,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        LogLevel? minimum = null;
        if (level is not null)
        {
            if (LogLevelNames.TryParse(level, out var parsed))
            {
                minimum = parsed;
            }
            else
            {
                errors["level"] = [$"must be one of {string.Join(", ", LogLevelNames.All)}"];
            }
        }

        if (limit is < 1 or > LogsQuery.MaxLimit)
        {
            errors["limit"] = [$"must be between 1 and {LogsQuery.MaxLimit}"];
        }

        if (cursor is < 1)
        {
            errors["cursor"] = ["must be a next_cursor from a previous page"];
        }

        if (since is not null && until is not null && since >= until)
        {
            errors["until"] = ["must be later than since"];
        }

        if (traceId is not null && (traceId.Length != 32 || !traceId.All(Uri.IsHexDigit)))
        {
            errors["trace_id"] = ["must be 32 hexadecimal characters"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid request");
        }

        var query = new LogsQuery
        {
            MinimumLevel = minimum,
            Component = Blank(component),
            Subsystem = Blank(subsystem),
            Since = since,
            Until = until,
            TraceId = traceId,
            Grep = Blank(grep),
            Limit = limit ?? LogsQuery.DefaultLimit,
            Cursor = cursor,
        };
        return TypedResults.Ok(await store.QueryAsync(query, cancellationToken));
    }

    private static async Task<Ok<LogStatistics>> StatsAsync([FromServices] LogReader store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.StatsAsync(cancellationToken));

    private static async Task<Ok<LogsDeleted>> DeleteAsync([FromServices] LogReader store, [FromQuery] DateTimeOffset before, CancellationToken cancellationToken) =>
        TypedResults.Ok(new LogsDeleted(await store.DeleteBeforeAsync(before, cancellationToken), LogTimestamps.ToText(before)));

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
