using AICO.Logging;
using Microsoft.Extensions.Logging;

namespace AICO.TestSupport;

/// <summary>Log records as the consumer receives them, numbered and timestamped predictably, for store and reader tests.</summary>
internal static class TestLogs
{
    /// <summary><paramref name="count"/> records from sequence <paramref name="first"/>, a millisecond apart; the fourth carries <paramref name="traceId"/>.</summary>
    public static LogBatch Batch(string producer, long first, int count, string category = "AICO.Gateway.ChatEndpoints", LogLevel level = LogLevel.Information, string? traceId = null) =>
        new(producer, Enumerable.Range(0, count).Select(i => new LogEntry
        {
            Sequence = first + i,
            Timestamp = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero).AddMilliseconds(first + i),
            Level = level,
            Category = category,
            Message = $"record {first + i}",
            TraceId = i == 3 ? traceId : null,
        }).ToList());
}
