using AICO.LogStore;

namespace AICO.Gateway.Logs;

/// <summary>One stored log record as GET /api/v1/logs returns it (mapped from <see cref="LogRecordRow"/>).</summary>
public sealed record LogRecord(
    long Id,
    string Timestamp,
    string Level,
    string Component,
    string Subsystem,
    string Module,
    string Topic,
    string Message,
    string? TraceId,
    string? SpanId,
    string? SessionId,
    string? Exception,
    string? Extra)
{
    public static LogRecord From(LogRecordRow row) => new(
        row.Id, row.Timestamp, row.Level, row.Component, row.Subsystem, row.Module, row.Topic, row.Message,
        row.TraceId, row.SpanId, row.SessionId, row.Exception, row.Extra);
}

/// <summary>A page of log records, newest first; pass <see cref="NextCursor"/> as ?cursor= for the next (older) page.</summary>
public sealed record LogPage(IReadOnlyList<LogRecord> Items, long? NextCursor);

/// <summary>The answer to DELETE /api/v1/admin/logs.</summary>
public sealed record LogsDeleted(long Deleted, string Before);
