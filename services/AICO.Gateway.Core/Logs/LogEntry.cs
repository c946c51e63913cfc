namespace AICO.Gateway.Logs;

/// <summary>One row of the logs table as GET /api/v1/logs returns it.</summary>
public sealed record LogEntry(
    long Id,
    string Timestamp,
    string Level,
    string Subsystem,
    string Module,
    string Topic,
    string Message,
    string? TraceId,
    string? SessionId,
    string? Extra);

/// <summary>A page of log rows, newest first; pass <see cref="NextCursor"/> as ?cursor= for the next (older) page.</summary>
public sealed record LogPage(IReadOnlyList<LogEntry> Items, long? NextCursor);

/// <summary>The answer to DELETE /api/v1/admin/logs.</summary>
public sealed record LogsDeleted(long Deleted, string Before);
