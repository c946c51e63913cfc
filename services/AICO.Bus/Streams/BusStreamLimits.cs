namespace AICO.Bus;

/// <summary>Bounds of a stream that both the broker and the clients enforce.</summary>
internal static class BusStreamLimits
{
    /// <summary>Largest window a requester may ask for (items in flight per stream).</summary>
    public const int MaxWindow = 256;

    public const int MaxStreamsPerConnection = 64;
    public const int MaxCorrelationBytes = 256;
}
