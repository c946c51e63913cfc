using System.Collections.Concurrent;
using System.Security.Cryptography;
using AICO.Security;
using Google.Protobuf;
using NetMQ;
using NetMQ.Sockets;

namespace AICO.Bus;

/// <summary>
/// The client's socket thread: one NetMQ poller owns the DEALER socket, runs every connection attempt (a new socket and
/// new ephemeral keys each time, backing off from MinReconnectDelay to MaxReconnectDelay), the handshake, heartbeats,
/// and hands frames to <see cref="ClientInbound"/> and records to <see cref="BatchSender"/>.
/// </summary>
internal sealed class ClientSession
{
    private enum Phase { Waiting, HelloSent, AuthSent, Authenticated }

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly ComponentKeys _keys;
    private readonly byte[] _brokerPublic;
    private readonly BusClientOptions _options;
    private readonly ClientStatus _status;
    private readonly List<Subscription> _subscriptions;
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<object?>> _pendingControls;
    private readonly BatchSender _sender;
    private readonly ClientInbound _inbound;
    private readonly ClientStreams _streams;
    private readonly OutboundWakeup _wakeup;
    private readonly ReconnectBackoff _backoff;
    private readonly ClientHeartbeat _heartbeat;
    private readonly ConsumedBytes _consumed = new();
    private readonly NetMQTimer _timer = new(Tick);
    private readonly NetMQPoller _poller;
    private DealerSocket? _socket;
    private Phase _phase = Phase.Waiting;
    private DateTime _deadline;
    private ClientHandshake? _handshake;
    private FrameSealer? _sealer;
    private long _nextId;

    public ClientSession(
        ComponentKeys keys,
        byte[] brokerPublic,
        BusClientOptions options,
        ClientStatus status,
        List<Subscription> subscriptions,
        ConcurrentDictionary<string, TaskCompletionSource<BusMessage>> pendingRequests,
        ConcurrentDictionary<ulong, TaskCompletionSource<object?>> pendingControls,
        ClientStreams streams)
    {
        _streams = streams;
        _keys = keys;
        _brokerPublic = brokerPublic;
        _options = options;
        _status = status;
        _subscriptions = subscriptions;
        _pendingControls = pendingControls;
        _backoff = new ReconnectBackoff(options.MinReconnectDelay, options.MaxReconnectDelay);
        _heartbeat = new ClientHeartbeat(options.HeartbeatMisses);
        _wakeup = new OutboundWakeup(() => _sender!.Drain(), () => !Outbound!.IsEmpty && _sender!.Ready);
        Outbound = new OutboundQueue(options.OutboundCapacity, _wakeup.Signal);
        _sender = new BatchSender(options, Outbound, status);
        _inbound = new ClientInbound(status, subscriptions, pendingRequests, pendingControls, streams, options.MaxMessageBytes);
        _timer.Elapsed += (_, _) => OnTick();
        _poller = [_wakeup.Pollable, _timer];
    }

    public OutboundQueue Outbound { get; }

    private string Component => _keys.Component;

    public void Start()
    {
        _poller.RunAsync("AICO.Bus client " + Component, isBackgroundThread: true);
        Run(BusThreadLatency.ForThisThread);
        Run(StartAttempt);
    }

    /// <summary>Runs <paramref name="action"/> on the socket thread.</summary>
    public void Run(Action action) => _ = Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.None, _poller);

    public ulong NextId() => (ulong)Interlocked.Increment(ref _nextId);

    /// <summary>Socket thread: sends a control record when a session is up (else it is dropped: the state says why).</summary>
    public void Send(Control control)
    {
        if (_phase == Phase.Authenticated)
        {
            _sender.Send(control);
        }
    }

    /// <summary>Socket thread: a subscription was added; the broker hears of it now, or at the next WELCOME.</summary>
    public void Subscribed(Subscription subscription)
    {
        if (_phase == Phase.Authenticated)
        {
            SendSubscribe(subscription);
        }
    }

    public async Task DisposeAsync(bool sayGoodbye)
    {
        if (sayGoodbye && _poller.IsRunning)
        {
            await SayGoodbyeAsync().ConfigureAwait(false);
            await Task.Run(_poller.Stop).ConfigureAwait(false);
        }

        _wakeup.Close();
        _poller.Dispose();
        _socket?.Dispose();
        _wakeup.Dispose();
        _sealer?.Dispose();
        _inbound.Opener?.Dispose();
    }

    /// <summary>Lets the broker drop this session at once instead of waiting for missed heartbeats.</summary>
    private async Task SayGoodbyeAsync()
    {
        var sent = Task.Factory.StartNew(
            () =>
            {
                if (_phase == Phase.Authenticated && _socket is not null)
                {
                    _sender.Drain();
                    _socket.Options.Linger = TimeSpan.FromMilliseconds(500);
                    _sender.Send(new Control { Kind = ControlKind.ControlBye });
                }
            },
            CancellationToken.None,
            TaskCreationOptions.None,
            _poller);
        await sent.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void StartAttempt()
    {
        ResetSession();
        _socket = ClientSocket.Create(_options, _keys.KeyPair, _brokerPublic);
        _socket.ReceiveReady += (_, _) => OnReceive();
        _poller.Add(_socket);
        BusThreadLatency.ForNetMQThreads();
        try
        {
            _socket.Connect(_options.Endpoint);
        }
        catch (Exception ex) when (ex is NetMQException or ArgumentException)
        {
            Fail(BusConnectionState.Unreachable, $"cannot connect to {_options.Endpoint}: {ex.Message}");
            return;
        }

        _handshake = new ClientHandshake(_keys.Instance, _keys.KeyPair, _brokerPublic);
        try
        {
            _socket.TrySendFrame(TimeSpan.Zero, _handshake.Start());
        }
        catch (CryptographicException ex)
        {
            Fail(BusConnectionState.Unreachable, $"cannot start a handshake with the broker public key configured for {_options.Endpoint}: {ex.Message}");
            return;
        }

        _phase = Phase.HelloSent;
        _deadline = DateTime.UtcNow + _options.WelcomeTimeout;
    }

    private void ResetSession()
    {
        if (_sealer is not null)
        {
            _streams.OnConnectionLost(_status.Reason);
        }

        if (_socket is not null)
        {
            _poller.Remove(_socket);
            _socket.Dispose();
            _socket = null;
        }

        _sender.Detach();
        _sealer?.Dispose();
        _inbound.Opener?.Dispose();
        _sealer = null;
        _inbound.Opener = null;
        _handshake = null;
        _consumed.Reset();
    }

    private void OnTick()
    {
        var now = DateTime.UtcNow;
        switch (_phase)
        {
            case Phase.Waiting when _backoff.IsDue(now):
                StartAttempt();
                break;
            case Phase.HelloSent or Phase.AuthSent when now > _deadline:
                Fail(BusConnectionState.Unreachable,
                    $"no WELCOME from broker within {_options.WelcomeTimeout.TotalSeconds:0.#}s at {_options.Endpoint}: check the broker public key or that the broker runs");
                break;
            case Phase.Authenticated:
                if (_heartbeat.IsLost(now))
                {
                    _status.Set(BusConnectionState.Connecting, $"lost the broker at {_options.Endpoint}: no heartbeat for {_heartbeat.Deadline.TotalSeconds:0.#}s; reconnecting");
                    StartAttempt();
                }
                else if (_heartbeat.TakePing(now))
                {
                    ReportConsumed(1);
                    _sender.Send(new Control { Kind = ControlKind.ControlPing });
                }

                _sender.TrySendBlocked();

                break;
        }
    }

    private void Fail(BusConnectionState state, string reason)
    {
        BusTelemetry.HandshakeFailures.Add(1, BusTelemetry.Side("client"));
        _status.Set(state, reason);
        ResetSession();
        _phase = Phase.Waiting;
        _backoff.Failed(DateTime.UtcNow);
    }

    private void OnReceive()
    {
        var socket = _socket!;
        ClientSocket.Receive(socket, () => _socket == socket, OnFrameOrDrop);
        ReportConsumed(ConsumedBytes.ReportEvery);
        _sender.Drain();
    }

    /// <summary>Flow control: tells the broker how much of what it sent has been read, so it keeps sending (its byte budget).</summary>
    private void ReportConsumed(long threshold)
    {
        if (_phase == Phase.Authenticated && _consumed.TryTakeReport(threshold, out var total))
        {
            _sender.Send(new Control { Kind = ControlKind.ControlConsumed, ConsumedBytes = total });
        }
    }

    private void OnFrameOrDrop(ReadOnlySpan<byte> frame)
    {
        try
        {
            OnFrame(frame);
        }
        catch (Exception ex) when (ex is FormatException or InvalidProtocolBufferException or CryptographicException or ArgumentException)
        {
            _status.CountDrops(1, "malformed");
            _status.WarnOnce("malformed", $"dropped a malformed frame from the broker: {ex.Message}");
        }
    }

    private void OnFrame(ReadOnlySpan<byte> frame)
    {
        switch (frame[0])
        {
            case FrameKind.Accept when _phase == Phase.HelloSent:
                OnHandshake(frame);
                break;
            case FrameKind.Denied:
                OnDenied(global::AICO.Bus.Denied.Parser.ParseFrom(frame[1..]));
                break;
            case FrameKind.Sealed when _inbound.Opener is not null:
                _consumed.Read(frame.Length);
                if (_inbound.OnSealed(frame, OnWelcome))
                {
                    _heartbeat.Received(DateTime.UtcNow);
                }

                break;
            default:
                _status.CountDrops(1, "unexpected");
                _status.WarnOnce("unexpected-" + frame[0], $"dropped an unexpected frame (kind 0x{frame[0]:x2}) in phase {_phase}");
                break;
        }
    }

    private void OnHandshake(ReadOnlySpan<byte> frame)
    {
        var result = _handshake!.Receive(frame);
        if (result.Status != HandshakeStatus.Established)
        {
            Fail(BusConnectionState.Unreachable, $"the peer at {_options.Endpoint} {result.Reason}");
            return;
        }

        _sealer = new FrameSealer(result.Keys!.ClientToBroker);
        _inbound.Opener = new FrameOpener(result.Keys.BrokerToClient);
        if (result.Reply is { } reply)
        {
            _socket!.TrySendFrame(TimeSpan.Zero, reply);
        }

        _phase = Phase.AuthSent;
    }

    private void OnDenied(global::AICO.Bus.Denied denied)
    {
        _status.CountDenied();
        if (denied.Code == DenyCode.DenyNoSession)
        {
            // The broker does not know this session (it restarted): authenticate again at once.
            _status.Set(BusConnectionState.Connecting, $"the broker at {_options.Endpoint} lost this session ({denied.Reason}); authenticating again");
            _backoff.Reset();
            StartAttempt();
            return;
        }

        Fail(BusConnectionState.Denied, $"denied by the broker as '{Component}': {denied.Reason}");
    }

    private void OnWelcome(Control welcome)
    {
        if (_phase != Phase.AuthSent)
        {
            _status.CountDrops(1, "unexpected-control");
            return;
        }

        _phase = Phase.Authenticated;
        _sender.Attach(_socket!, _sealer!);
        _heartbeat.Welcomed(welcome.HeartbeatMillis, DateTime.UtcNow);
        _backoff.Reset();
        _status.Set(BusConnectionState.Authenticated, $"authenticated as '{Component}' at {_options.Endpoint} (connection {welcome.ConnectionId})");
        foreach (var subscription in _subscriptions)
        {
            SendSubscribe(subscription);
        }
    }

    private void SendSubscribe(Subscription subscription)
    {
        var id = NextId();
        var ack = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingControls[id] = ack;
        subscription.ConfirmWith(ack.Task);
        _sender.Send(new Control { Kind = ControlKind.ControlSubscribe, RequestId = id, Topic = subscription.Prefix });
    }
}
