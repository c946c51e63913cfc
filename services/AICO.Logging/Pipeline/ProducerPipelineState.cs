namespace AICO.Logging.Pipeline;

/// <summary>
/// Where one producer's log records are right now: in memory, sent and unacknowledged, or waiting in its spool.
/// Each producer writes its own state to the runtime directory once a second, so the gateway and the CLI can show
/// the pipeline's backlog without asking every process.
/// </summary>
public sealed record ProducerPipelineState
{
    public required string Producer { get; init; }
    public int ProcessId { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public bool GateOpen { get; init; }
    public string GateReason { get; init; } = "";
    public long BufferedRecords { get; init; }
    public long UnacknowledgedRecords { get; init; }
    public long SpooledRecords { get; init; }
    public long SpoolBytes { get; init; }
    public long DroppedRecords { get; init; }

    /// <summary>Timestamp of the oldest record waiting in a spool of this producer (its own or adopted), or null.</summary>
    public DateTimeOffset? OldestSpooled { get; init; }

    /// <summary>Timestamp of the oldest record this producer has not seen acknowledged, or null when it has none.</summary>
    public DateTimeOffset? OldestUnacknowledged { get; init; }

    /// <summary>False when the process that wrote the state is gone (its spool waits for a later run).</summary>
    public bool Running { get; init; } = true;

    public long Backlog => BufferedRecords + UnacknowledgedRecords + SpooledRecords;
}
