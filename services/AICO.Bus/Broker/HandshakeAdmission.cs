namespace AICO.Bus;

/// <summary>
/// Decides, before any handshake work, whether a connection's frame may cost the broker anything. A connection gets one
/// handshake: its first HELLO is admitted, every later HELLO on it is a denial ("repeated-hello") that costs no crypto.
/// Pending handshakes are bounded in total (the oldest makes room for the newest, so a stalled peer cannot lock out a real
/// client), and DENIED answers to one connection are limited to one per second. Runs on the broker thread only.
/// </summary>
internal sealed class HandshakeAdmission(BrokerOptions options)
{
    private const int MaxRemembered = 65_536;
    private static readonly TimeSpan ReplyInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Memory = TimeSpan.FromMinutes(10);

    private readonly Dictionary<string, Peer> _peers = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, DateTime Seen)> _order = new();
    private readonly LinkedList<string> _pending = new();

    public int Pending => _pending.Count;

    /// <summary>Null when the HELLO may start a handshake; then <paramref name="evict"/> names a pending handshake to drop first, if the table is full.</summary>
    public string? AdmitHello(string key, DateTime now, out string? evict)
    {
        evict = null;
        var peer = PeerOf(key, now);
        if (peer.HelloSeen)
        {
            return "repeated-hello";
        }

        peer.HelloSeen = true;
        if (_pending.Count >= options.MaxPendingHandshakes && _pending.First is { } oldest)
        {
            evict = oldest.Value;
            _pending.RemoveFirst();
            if (_peers.TryGetValue(evict, out var evicted))
            {
                evicted.PendingNode = null;
            }
        }

        peer.PendingNode = _pending.AddLast(key);
        return null;
    }

    /// <summary>The handshake of this connection ended (welcomed, refused or timed out); a new HELLO on it stays a repeat.</summary>
    public void Ended(string key)
    {
        if (_peers.TryGetValue(key, out var peer) && peer.PendingNode is { } node)
        {
            _pending.Remove(node);
            peer.PendingNode = null;
        }
    }

    /// <summary>True when a DENIED may be sent to this connection now (at most one per second each).</summary>
    public bool MayAnswer(string key, DateTime now)
    {
        var peer = PeerOf(key, now);
        if (now - peer.LastAnswer < ReplyInterval)
        {
            return false;
        }

        peer.LastAnswer = now;
        return true;
    }

    /// <summary>Forgets connections not heard of for a while (bounded memory; routing ids are not reused).</summary>
    public void Sweep(DateTime now)
    {
        while (_order.TryPeek(out var entry) && (now - entry.Seen > Memory || _order.Count > MaxRemembered))
        {
            _order.Dequeue();
            if (_peers.TryGetValue(entry.Key, out var peer) && peer.Remembered == entry.Seen)
            {
                Ended(entry.Key);
                _peers.Remove(entry.Key);
            }
        }
    }

    private Peer PeerOf(string key, DateTime now)
    {
        if (!_peers.TryGetValue(key, out var peer))
        {
            peer = new Peer { Remembered = now };
            _peers[key] = peer;
            _order.Enqueue((key, now));
            if (_order.Count > MaxRemembered)
            {
                Sweep(now);
            }
        }

        return peer;
    }

    private sealed class Peer
    {
        public bool HelloSeen;
        public DateTime LastAnswer = DateTime.MinValue;
        public DateTime Remembered;
        public LinkedListNode<string>? PendingNode;
    }
}
