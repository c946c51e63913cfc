namespace AICO.Bus;

/// <summary>A message as a handler sees it: the envelope's fields and the payload.</summary>
public sealed record BusMessage(
    string Topic,
    string MessageType,
    string SourceComponent,
    string MessageId,
    DateTimeOffset Timestamp,
    ReadOnlyMemory<byte> Payload,
    IReadOnlyDictionary<string, string> Attributes,
    string? CorrelationId)
{
    /// <summary>W3C traceparent of the publisher's activity, when it had one.</summary>
    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }

    /// <summary>For a stream request: the items the requester takes before it grants more (0: not a stream request).</summary>
    public int StreamWindow { get; init; }

    /// <summary>The last message of a stream (its end frame); items before it have this false.</summary>
    public bool IsStreamEnd { get; init; }
}
