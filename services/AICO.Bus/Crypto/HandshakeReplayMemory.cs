namespace AICO.Bus;

/// <summary>
/// The handshake values a broker has already accepted, oldest forgotten first, so a recorded handshake message
/// replayed later is refused with a lookup instead of key agreement.
/// </summary>
internal sealed class HandshakeReplayMemory(int capacity)
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public bool Contains(ReadOnlySpan<byte> value) => _seen.Contains(Convert.ToHexString(value));

    public void Remember(ReadOnlySpan<byte> value)
    {
        var key = Convert.ToHexString(value);
        if (!_seen.Add(key))
        {
            return;
        }

        _order.Enqueue(key);
        if (_order.Count > capacity)
        {
            _seen.Remove(_order.Dequeue());
        }
    }
}
