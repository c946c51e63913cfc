namespace AICO.Logging;

/// <summary>An encoded batch kept until the consumer acknowledges it.</summary>
internal sealed class PendingBatch(long firstSequence, long lastSequence, int recordCount, byte[] payload)
{
    public long FirstSequence { get; } = firstSequence;
    public long LastSequence { get; } = lastSequence;
    public int RecordCount { get; } = recordCount;
    public byte[] Payload { get; } = payload;

    /// <summary>Timestamp of the batch's first (oldest) record, for the pipeline's "oldest unacknowledged" figure.</summary>
    public DateTimeOffset Oldest { get; init; }

    public bool InFlight { get; set; }
    public int Attempts { get; set; }

    /// <summary>A failed batch is not resent before this time, so a broken path is not hammered.</summary>
    public DateTimeOffset NotBefore { get; set; }
}
