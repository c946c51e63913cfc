using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace AICO.Bus;

/// <summary>
/// The gate's public listening socket and the thread that accepts from it. A connection whose first bytes are already
/// there and cannot begin a ZMTP 3 greeting (a keyless flood) is refused on that thread at once, with no greeting, task,
/// timer or thread-pool work; every other connection is handed to the gate.
/// The thread runs as SCHED_IDLE on Linux: refusing a flood uses only CPU that no normal thread wants, and a relay, NetMQ
/// or broker thread that wakes takes the core from it at once (a nice value only shrinks its share, and it could finish
/// its time slice first: 4.5x-6.3x the quiet p99 at nice 5 against 0.65x-0.89x as SCHED_IDLE in `bus-under-attack`).
/// SCHED_IDLE can starve on a machine busy with normal work, so a watchdog on the thread pool empties the accept queue
/// in its place (at most one queue's worth per tick) when, at the thread's pace, the queue would take more than two
/// ticks to drain: clients still get in, at a bounded cost in normal CPU time. No privilege is needed (a thread may always lower its own priority).
/// </summary>
internal sealed class GateListener : IDisposable
{
    private const int Backlog = 1024;
    private const int TcpLevel = 6;
    private const int TcpInfo = 11;
    private const int TcpInfoUnackedAt = 24;
    private const int WaitMicroseconds = 250_000;
    private static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Connections the watchdog accepts per tick at most when the thread is starved (the whole accept queue).</summary>
    private const int RescueBatch = Backlog;

    /// <summary>Ticks of waiting (at the accept thread's current pace) that count as starvation.</summary>
    private const int StarvedAfterTicks = 2;

    private readonly Socket _listener;
    private readonly RefusalLog _refusals;
    private readonly Action<Socket, IPAddress> _admit;
    private readonly Thread _thread;
    private readonly Timer _watchdog;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopping;
    private int _drainedSinceLastWatch;
    private long _acceptedByThread;
    private long _acceptedAtLastWatch;
    private int _waiting;

    public GateListener(IPEndPoint endPoint, RefusalLog refusals, Action<Socket, IPAddress> admit)
    {
        _refusals = refusals;
        _admit = admit;
        _listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(endPoint);
        _listener.Listen(Backlog);
        _listener.Blocking = false;
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _thread = new Thread(Run) { IsBackground = true, Name = "AICO.Bus gate accept" };
        _watchdog = new Timer(_ => Watch());
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Accepts and refuses made by the watchdog because the accept thread was starved.</summary>
    public long Rescued;

    /// <param name="acceptThread">False only in tests: the watchdog alone, as if the thread never got the CPU.</param>
    public void Start(bool acceptThread = true)
    {
        if (acceptThread)
        {
            _thread.Start();
        }
        else
        {
            _ended.TrySetResult();
        }

        _watchdog.Change(WatchInterval, WatchInterval);
    }

    /// <summary>Stops accepting; completes when the accept thread has ended.</summary>
    public Task StopAsync()
    {
        _stopping = true;
        _watchdog.Dispose();
        _listener.Dispose();
        return _ended.Task;
    }

    public void Dispose() => StopAsync();

    private void Run()
    {
        CpuPriority.SetIdle();
        try
        {
            while (!_stopping)
            {
                if (AcceptOne())
                {
                    Interlocked.Increment(ref _acceptedByThread);
                    continue;
                }

                Volatile.Write(ref _drainedSinceLastWatch, 1);
                Volatile.Write(ref _waiting, 1);
                _listener.Poll(WaitMicroseconds, SelectMode.SelectRead);
                Volatile.Write(ref _waiting, 0);
            }
        }
        catch (ObjectDisposedException)
        {
            // Stopped.
        }
        finally
        {
            _ended.TrySetResult();
        }
    }

    /// <summary>Accepts one waiting connection and refuses or admits it; false when none is waiting.</summary>
    private bool AcceptOne()
    {
        Socket peer;
        try
        {
            peer = _listener.Accept();
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.WouldBlock)
        {
            return false;
        }
        catch (SocketException)
        {
            // Reset before it was accepted (ECONNABORTED): the next one.
            return true;
        }

        var source = (peer.RemoteEndPoint as IPEndPoint)?.Address is { } address ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address) : IPAddress.None;
        if (!RefusedAtOnce(peer, source))
        {
            _admit(peer, source);
        }

        return true;
    }

    private void Watch()
    {
        try
        {
            var accepted = Interlocked.Read(ref _acceptedByThread);
            var pace = accepted - _acceptedAtLastWatch;
            _acceptedAtLastWatch = accepted;
            if (Interlocked.Exchange(ref _drainedSinceLastWatch, 0) == 1 || Volatile.Read(ref _waiting) == 1)
            {
                return;
            }

            // Starved: the queue was never empty in this tick and, at the thread's pace in it, the last connection in
            // the queue would wait more than StarvedAfterTicks more. Under a flood on an otherwise idle core the thread
            // keeps the queue short (a refusal costs the broker less than the connection costs the attacker).
            if (AcceptQueueLength() is { } queued && queued <= pace * StarvedAfterTicks)
            {
                return;
            }

            for (var i = 0; i < RescueBatch && !_stopping && AcceptOne(); i++)
            {
                Interlocked.Increment(ref Rescued);
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
        {
            // Stopping.
        }
    }

    /// <summary>Connections waiting to be accepted (Linux: tcpi_unacked of a listener's TCP_INFO); null where unknown.</summary>
    private int? AcceptQueueLength()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> info = stackalloc byte[104];
        var length = _listener.GetRawSocketOption(TcpLevel, TcpInfo, info);
        return length >= TcpInfoUnackedAt + 4 ? (int)BinaryPrimitives.ReadUInt32LittleEndian(info[TcpInfoUnackedAt..]) : null;
    }

    /// <summary>
    /// A peer that has already sent bytes a greeting cannot start with (a keyless ZMTP 1.0 flood does) is refused before
    /// it costs a greeting, a timer or a place among the handshaking connections.
    /// </summary>
    private bool RefusedAtOnce(Socket peer, IPAddress source)
    {
        Span<byte> first = stackalloc byte[ZmtpGreeting.Length];
        try
        {
            if (peer.Available == 0)
            {
                return false;
            }

            var seen = peer.Receive(first, SocketFlags.Peek);
            if (ZmtpGreeting.Refusal(first[..seen]) is not { } reason)
            {
                return false;
            }

            _refusals.Count(reason, $"a connection from {source} opened with {ZmtpGreeting.Describe(reason)}");
        }
        catch (SocketException)
        {
            // Already reset by the peer.
        }

        peer.Dispose();
        return true;
    }
}
