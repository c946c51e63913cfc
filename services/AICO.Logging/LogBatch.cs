namespace AICO.Logging;

/// <summary>Consecutive records of one producer, sent as one bus message.</summary>
public sealed record LogBatch(string Producer, IReadOnlyList<LogEntry> Entries)
{
    public long FirstSequence => Entries[0].Sequence;

    public long LastSequence => Entries[^1].Sequence;
}
