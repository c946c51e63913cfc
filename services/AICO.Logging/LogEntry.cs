using Microsoft.Extensions.Logging;

namespace AICO.Logging;

/// <summary>
/// One log record as the wire carries it, as objects: what a decoded <see cref="LogBatch"/> holds, and what tests and
/// benchmarks make by hand. (The bus logger itself never makes one: it encodes straight from its buffer.)
/// <see cref="Sequence"/> is assigned when the record leaves the producer's buffer, so sequence numbers of one
/// producer are contiguous and a gap at the consumer means loss in transit.
/// </summary>
public sealed class LogEntry
{
    public long Sequence { get; set; }

    public DateTimeOffset Timestamp { get; init; }

    public LogLevel Level { get; init; }

    /// <summary>The ILogger category, e.g. <c>AICO.Gateway.ChatEndpoints</c>.</summary>
    public required string Category { get; init; }

    public int EventId { get; init; }

    public required string Message { get; init; }

    public string? Exception { get; init; }

    /// <summary>32 lowercase hex digits, or null.</summary>
    public string? TraceId { get; init; }

    /// <summary>16 lowercase hex digits, or null.</summary>
    public string? SpanId { get; init; }

    /// <summary>Structured state and scope values as a JSON object, or null when there are none.</summary>
    public string? ExtraJson { get; set; }

    /// <summary>The part of the category before its last dot (the namespace), or the category itself.</summary>
    public static string Subsystem(string category)
    {
        var dot = category.LastIndexOf('.');
        return dot > 0 ? category[..dot] : category;
    }

    /// <summary>The part of the category after its last dot (the type name).</summary>
    public static string Module(string category)
    {
        var dot = category.LastIndexOf('.');
        return dot > 0 && dot < category.Length - 1 ? category[(dot + 1)..] : category;
    }
}
