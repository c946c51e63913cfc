namespace AICO.Gateway.Logs;

/// <summary>The filters of GET /api/v1/logs (those of `aico logs ls`), already validated.</summary>
public sealed record LogsQuery
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>Stored level names, most verbose first (the original system's names).</summary>
    public static IReadOnlyList<string> Levels { get; } = ["TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

    /// <summary>This level and every more severe one.</summary>
    public string? MinimumLevel { get; init; }
    public string? Component { get; init; }
    public string? Subsystem { get; init; }
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    public string? TraceId { get; init; }
    public string? Grep { get; init; }
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>Only rows with a smaller id (older) than this: the previous page's next cursor.</summary>
    public long? Cursor { get; init; }

    /// <summary>Accepts the stored names and .NET's (information, warn, fatal, ...); null when unknown.</summary>
    public static string? NormalizeLevel(string text) => text.Trim().ToUpperInvariant() switch
    {
        "TRACE" or "TRCE" => "TRACE",
        "DEBUG" or "DBUG" => "DEBUG",
        "INFO" or "INFORMATION" => "INFO",
        "WARN" or "WARNING" => "WARNING",
        "ERROR" or "FAIL" => "ERROR",
        "CRITICAL" or "CRIT" or "FATAL" => "CRITICAL",
        _ => null,
    };
}
