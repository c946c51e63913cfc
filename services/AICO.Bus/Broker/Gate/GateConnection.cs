using System.Net;
using System.Net.Sockets;

namespace AICO.Bus;

/// <summary>One relayed connection: the peer's socket, the socket to the router once the greeting passed, its stage.</summary>
internal sealed class GateConnection(Socket peer, IPAddress source)
{
    private int _aborted;
    private int _established;
    private Socket? _router;

    public Socket Peer { get; } = peer;
    public IPAddress Source { get; } = source;
    public long Opened { get; } = Environment.TickCount64;
    public bool Established => Volatile.Read(ref _established) == 1;

    /// <summary>Set by the admission bookkeeping: this connection's node in the "in handshake" queues.</summary>
    public LinkedListNode<GateConnection>? InHandshake { get; set; }
    public LinkedListNode<GateConnection>? InSourceHandshake { get; set; }
    public bool CountedEstablished { get; set; }

    public Socket ConnectRouter()
    {
        var router = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _router = router;
        if (Volatile.Read(ref _aborted) == 1)
        {
            router.Dispose();
        }

        return router;
    }

    /// <summary>True for the first caller after the CURVE handshake completed.</summary>
    public bool MarkEstablished() => Volatile.Read(ref _aborted) == 0 && Interlocked.Exchange(ref _established, 1) == 0;

    /// <summary>Closes both sides; true for the first caller.</summary>
    public bool Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 1)
        {
            return false;
        }

        Peer.Dispose();
        _router?.Dispose();
        return true;
    }
}
