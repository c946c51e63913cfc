namespace AICO.LogStore;

/// <summary>
/// One row of the logs table as readers see it: `aico logs` prints it as it is, GET /api/v1/logs maps it to its own
/// record. <see cref="Component"/> is derived from <see cref="Producer"/>.
/// </summary>
public sealed record LogRecordRow(
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
    string? Extra,
    string Producer,
    long Sequence,
    string CreatedAt);
