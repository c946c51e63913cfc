using Microsoft.Extensions.Logging;

namespace AICO.LogStore;

/// <summary>What to select from the logs table; every property is optional. Used by `aico logs` and GET /api/v1/logs.</summary>
public sealed record LogFilter
{
    public const int MaxLimit = 100_000;

    /// <summary>This level and every more severe one.</summary>
    public LogLevel? MinimumLevel { get; init; }

    /// <summary>
    /// The producing component, exactly (gateway, modelservice, logconsumer, broker, ...): the part of the producer id
    /// before its '/'. "gate" matches nothing; there is no filter by a single producer id.
    /// </summary>
    public string? Component { get; init; }

    /// <summary>A subsystem (category namespace) or any of its children: "Microsoft.AspNetCore" matches "Microsoft.AspNetCore.Hosting".</summary>
    public string? Subsystem { get; init; }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    public string? TraceId { get; init; }

    /// <summary>Substring of the message (case-insensitive for ASCII).</summary>
    public string? Grep { get; init; }

    /// <summary>Only rows stored after this row id (`tail -f`: what arrived since the last look).</summary>
    public long? AfterId { get; init; }

    /// <summary>
    /// Only rows older than this row in time order (timestamp, then id): the API's paging cursor, the id of the last
    /// row of the previous page. When that row is gone (deleted by age), so is everything older, and the page is empty.
    /// </summary>
    public long? BeforeId { get; init; }

    /// <summary>At most this many rows: the newest ones, returned oldest first. Null: no limit (export).</summary>
    public int? Limit { get; init; } = 100;
}
