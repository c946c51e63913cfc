namespace AICO.Bus;

/// <summary>How a requester reads a stream.</summary>
public sealed record BusStreamOptions
{
    /// <summary>Items in flight at most (sent by the responder, not yet taken by the reader): the flow-control window.</summary>
    public int Window { get; init; } = 32;

    /// <summary>Longest wait for the first item and between items before the stream is cancelled with a TimeoutException.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(120);
}
