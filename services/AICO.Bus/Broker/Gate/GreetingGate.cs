using System.Net;
using System.Net.Sockets;

namespace AICO.Bus;

/// <summary>
/// The broker's public TCP listener, in front of the NetMQ router (which listens on loopback only). It answers every
/// connection with the broker's ZMTP 3 CURVE greeting, checks the peer's greeting byte by byte, and only then opens a
/// connection to the router and relays bytes both ways. A legacy (ZMTP 1.0/2.0), plaintext or garbage peer never reaches
/// the router, so it cannot claim a routing id or touch any broker state. Connections still in their handshake (greeting
/// or CURVE, until the router's READY) are bounded per source address and in total, oldest evicted first, and time out.
/// Accepting, and refusing a flood at once, happens on a SCHED_IDLE thread (<see cref="GateListener"/>); greetings of
/// the connections it lets through are judged on one thread of low CPU priority (<see cref="LowPriorityScheduler"/>),
/// so a flood of connections never queues ahead of, or takes the CPU from, the relays of authenticated clients.
/// </summary>
internal sealed class GreetingGate : IAsyncDisposable
{
    private readonly BrokerOptions _options;
    private readonly RefusalLog _refusals;
    private readonly IPEndPoint _router;
    private readonly GateListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly GateAdmission _admission;
    private readonly LowPriorityScheduler _greetings = new("AICO.Bus gate");

    public GreetingGate(IPEndPoint publicEndPoint, IPEndPoint router, BrokerOptions options, RefusalLog refusals)
    {
        _options = options;
        _refusals = refusals;
        _router = router;
        _admission = new GateAdmission(options);
        _listener = new GateListener(publicEndPoint, refusals, (peer, source) => OnGreetingScheduler(() => ServeAsync(peer, source)));
    }

    public IPEndPoint EndPoint => _listener.EndPoint;

    public void Start() => _listener.Start();

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _listener.StopAsync();
        _admission.AbortAll();
        _greetings.Dispose();
    }

    private async Task ServeAsync(Socket peer, IPAddress source)
    {
        var connection = new GateConnection(peer, source);
        var refusal = _admission.Admit(connection, out var evicted);
        if (evicted is not null)
        {
            _refusals.Count("handshake-evicted", $"a connection from {evicted.Source} still in its handshake made room for a newer one");
            evicted.Abort();
        }

        if (refusal is not null)
        {
            _refusals.Count(refusal, $"connection from {source}");
            connection.Abort();
            return;
        }

        using var deadline = new Timer(_ => OnDeadline(connection), null, _options.GreetingTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            await RelayAsync(connection);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // The peer or the router went away, or the connection was aborted (timeout, eviction, shutdown).
        }
        finally
        {
            connection.Abort();
            _admission.Release(connection);
        }
    }

    private void OnDeadline(GateConnection connection)
    {
        if (!connection.Established && connection.Abort())
        {
            _refusals.Count("handshake-timeout", $"a connection from {connection.Source} did not finish its handshake within {_options.GreetingTimeout.TotalSeconds:0.#}s");
        }
    }

    private async Task RelayAsync(GateConnection connection)
    {
        var peer = connection.Peer;
        peer.NoDelay = true;
        await peer.SendAsync(ZmtpGreeting.Server.ToArray(), SocketFlags.None, _stop.Token);

        // Read exactly the peer's greeting (never past it), judging every byte as it arrives.
        var greeting = new byte[ZmtpGreeting.Length];
        var have = 0;
        while (have < greeting.Length)
        {
            var read = await peer.ReceiveAsync(greeting.AsMemory(have), SocketFlags.None, _stop.Token);
            if (read == 0)
            {
                return;
            }

            have += read;
            if (ZmtpGreeting.Refusal(greeting.AsSpan(0, have)) is { } reason)
            {
                _refusals.Count(reason, $"a connection from {connection.Source} opened with {ZmtpGreeting.Describe(reason)}");
                return;
            }
        }

        var router = connection.ConnectRouter();
        await router.ConnectAsync(_router, _stop.Token);
        await router.SendAsync(greeting, SocketFlags.None, _stop.Token);

        // The router answers with the greeting the peer already has from us: swallow it.
        var routerGreeting = new byte[ZmtpGreeting.Length];
        for (var got = 0; got < routerGreeting.Length;)
        {
            var read = await router.ReceiveAsync(routerGreeting.AsMemory(got), SocketFlags.None, _stop.Token);
            if (read == 0)
            {
                return;
            }

            got += read;
        }

        // From here the relay runs on the shared thread pool (SocketPump does not come back to this scheduler).
        var scanner = new CurveReadyScanner();
        var up = SocketPump.RunAsync(peer, router, null, _stop.Token);
        var down = SocketPump.RunAsync(router, peer, data =>
        {
            if (scanner.Scan(data) && connection.MarkEstablished())
            {
                _admission.Established(connection);
            }
        }, _stop.Token);
        await Task.WhenAny(up, down).ConfigureAwait(false);
        connection.Abort();
        await Task.WhenAll(up, down).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private Task OnGreetingScheduler(Func<Task> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _greetings).Unwrap();
}
