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

    /// <summary>Read bytes reported to the broker at least this often (and with every heartbeat).</summary>
    private const long ConsumedReportBytes = 256 * 1024;

    private readonly ComponentKeys _keys;
    private readonly byte[] _brokerPublic;
    private readonly BusClientOptions _options;
    private readonly ClientStatus _status;
    private readonly List<Subscription> _subscriptions;
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<object?>> _pendingControls;
    private readonly BatchSender _sender;
    private readonly ClientInbound _inbound;
    private readonly ClientStreams _streams;
    private readonly NetMQQueue<int> _wake = new();
    private readonly NetMQTimer _timer = new(Tick);
    private readonly NetMQPoller _poller;
    private DealerSocket? _socket;
    private Phase _phase = Phase.Waiting;
    private DateTime _retryAt = DateTime.MinValue;
    private DateTime _deadline;
    private DateTime _lastReceived;
    private DateTime _lastPing;
    private TimeSpan _backoff;
    private TimeSpan _heartbeat = TimeSpan.FromSeconds(1);
    private ClientHandshake? _handshake;
    private FrameSealer? _sealer;
    private int _wakePending;
    private long _consumed;
    private long _reported;
    private long _nextId;
    private int _closed;

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
        _backoff = options.MinReconnectDelay;
        Outbound = new OutboundQueue(options.OutboundCapacity, Wake);
        _sender = new BatchSender(options, Outbound, status);
        _inbound = new ClientInbound(status, subscriptions, pendingRequests, pendingControls, streams, options.MaxMessageBytes);
        _wake.ReceiveReady += (_, _) => OnWake();
        _timer.Elapsed += (_, _) => OnTick();
        _poller = [_wake, _timer];
    }

    public OutboundQueue Outbound { get; }

    private string Component => _keys.Component;

    public void Start()
    {
        _poller.RunAsync("AICO.Bus client " + Component, isBackgroundThread: true);
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

        Volatile.Write(ref _closed, 1);
        _poller.Dispose();
        _socket?.Dispose();
        _wake.Dispose();
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

    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0 && Volatile.Read(ref _closed) == 0)
        {
            try
            {
                _wake.Enqueue(0);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private void StartAttempt()
    {
        ResetSession();
        _socket = new DealerSocket();
        _socket.Options.Linger = TimeSpan.Zero;
        _socket.Options.CurveServerKey = _brokerPublic;
        _socket.Options.CurveCertificate = NetMQCertificate.CreateFromSecretKey(_keys.KeyPair.SecretKeyZ85);
        _socket.Options.SendHighWatermark = 10_000;
        _socket.Options.ReceiveHighWatermark = 20_000;
        // The broker's frames are at most one message or ~256 KiB of batched records.
        _socket.Options.MaxMsgSize = Math.Max(_options.MaxMessageBytes, 256 * 1024) + 128 * 1024;
        _socket.Options.ReconnectInterval = TimeSpan.FromMilliseconds(100);
        _socket.ReceiveReady += (_, _) => OnReceive();
        _poller.Add(_socket);
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
        _consumed = _reported = 0;
    }

    private void OnTick()
    {
        var now = DateTime.UtcNow;
        switch (_phase)
        {
            case Phase.Waiting when now >= _retryAt:
                StartAttempt();
                break;
            case Phase.HelloSent or Phase.AuthSent when now > _deadline:
                Fail(BusConnectionState.Unreachable,
                    $"no WELCOME from broker within {_options.WelcomeTimeout.TotalSeconds:0.#}s at {_options.Endpoint}: check the broker public key or that the broker runs");
                break;
            case Phase.Authenticated:
                if (now - _lastReceived > _heartbeat * _options.HeartbeatMisses)
                {
                    _status.Set(BusConnectionState.Connecting, $"lost the broker at {_options.Endpoint}: no heartbeat for {(_heartbeat * _options.HeartbeatMisses).TotalSeconds:0.#}s; reconnecting");
                    StartAttempt();
                }
                else if (now - _lastPing >= _heartbeat)
                {
                    _lastPing = now;
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
        _retryAt = DateTime.UtcNow + _backoff;
        _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _options.MaxReconnectDelay.Ticks));
    }

    private void OnReceive()
    {
        var socket = _socket!;
        var msg = default(Msg);
        msg.InitEmpty();
        try
        {
            for (var i = 0; i < 1024 && _socket == socket; i++)
            {
                if (!socket.TryReceive(ref msg, TimeSpan.Zero))
                {
                    break;
                }

                if (msg.Size == 0 || msg.HasMore)
                {
                    continue;
                }

                try
                {
                    OnFrame(msg.Slice());
                }
                catch (Exception ex) when (ex is FormatException or InvalidProtocolBufferException or CryptographicException or ArgumentException)
                {
                    _status.CountDrops(1, "malformed");
                    _status.WarnOnce("malformed", $"dropped a malformed frame from the broker: {ex.Message}");
                }
            }
        }
        finally
        {
            msg.Close();
        }

        ReportConsumed(ConsumedReportBytes);
        _sender.Drain();
    }

    /// <summary>Flow control: tells the broker how much of what it sent has been read, so it keeps sending (its byte budget).</summary>
    private void ReportConsumed(long threshold)
    {
        if (_phase == Phase.Authenticated && _consumed - _reported >= threshold && _consumed > _reported)
        {
            _reported = _consumed;
            _sender.Send(new Control { Kind = ControlKind.ControlConsumed, ConsumedBytes = (ulong)_consumed });
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
                _consumed += frame.Length;
                if (_inbound.OnSealed(frame, OnWelcome))
                {
                    _lastReceived = DateTime.UtcNow;
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
            _backoff = _options.MinReconnectDelay;
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
        _heartbeat = TimeSpan.FromMilliseconds(Math.Max(50, welcome.HeartbeatMillis));
        _lastPing = _lastReceived = DateTime.UtcNow;
        _backoff = _options.MinReconnectDelay;
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
        ack.Task.ContinueWith(
            t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    subscription.Confirmed.TrySetResult();
                }
                else if (t.Exception?.InnerException is { } error)
                {
                    if (!subscription.Confirmed.TrySetException(error))
                    {
                        _status.Warn($"the broker refused to restore the subscription '{subscription.Prefix}': {error.Message}");
                    }
                }
            },
            TaskScheduler.Default);
        _sender.Send(new Control { Kind = ControlKind.ControlSubscribe, RequestId = id, Topic = subscription.Prefix });
    }

    private void OnWake()
    {
        while (_wake.TryDequeue(out _, TimeSpan.Zero))
        {
        }

        // Keep the wake flag raised while draining so a fast producer does not signal once per message;
        // after lowering it, look again so nothing enqueued in between is left waiting.
        while (true)
        {
            _sender.Drain();
            Volatile.Write(ref _wakePending, 0);
            if (Outbound.IsEmpty || !_sender.Ready || Interlocked.Exchange(ref _wakePending, 1) == 1)
            {
                return;
            }
        }
    }
}
