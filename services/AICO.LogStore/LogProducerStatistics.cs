namespace AICO.LogStore;

/// <summary>Delivery accounting of one producer (component/instance): see log_producers.</summary>
public sealed record LogProducerStatistics(
    string Producer,
    string Component,
    long Received,
    long Duplicates,
    long Gaps,
    long ContiguousSequence,
    long MaxSequence,
    string FirstSeen,
    string LastSeen);
