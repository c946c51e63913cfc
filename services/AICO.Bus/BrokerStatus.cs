namespace AICO.Bus;

public sealed record BrokerStatus(IReadOnlyList<BrokerClientStatus> Clients, long DeniedTotal, long DroppedTotal)
{
    public IReadOnlyDictionary<string, long> Refusals { get; init; } = new Dictionary<string, long>();
}

public sealed record BrokerClientStatus(
    string Component,
    string ConnectionId,
    IReadOnlyList<string> Subscriptions,
    long MessagesIn,
    long MessagesOut,
    long Dropped,
    long Denied);
