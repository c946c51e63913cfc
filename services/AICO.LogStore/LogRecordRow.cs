namespace AICO.LogStore;

/// <summary>One row of the logs table as readers see it.</summary>
public sealed record LogRecordRow(
    long Id,
    string Timestamp,
    string Level,
    string Component,
    string Subsystem,
    string Module,
    string Message,
    string? TraceId,
    string? SpanId,
    string? Exception,
    string? Extra,
    string Producer,
    long Sequence,
    string CreatedAt);
