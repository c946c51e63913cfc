namespace AICO.Bus;

public sealed record BrokerStatus(IReadOnlyList<BrokerClientStatus> Clients, long DeniedTotal, long DroppedTotal);

public sealed record BrokerClientStatus(
    string Component,
    string ConnectionId,
    IReadOnlyList<string> Subscriptions,
    long MessagesIn,
    long MessagesOut,
    long Dropped,
    long Denied);
