using Microsoft.Extensions.Logging;

namespace AICO.Gateway.Logs;

/// <summary>The filters of GET /api/v1/logs (those of `aico logs ls`), already validated.
/// Its own query rather than AICO.LogStore.LogQuery because the API pages backwards by id (a stable cursor).</summary>
public sealed record LogsQuery
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>This level and every more severe one.</summary>
    public LogLevel? MinimumLevel { get; init; }
    public string? Component { get; init; }
    public string? Subsystem { get; init; }
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    public string? TraceId { get; init; }
    public string? Grep { get; init; }
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>Only rows with a smaller id (older) than this: the previous page's next cursor.</summary>
    public long? Cursor { get; init; }

}
