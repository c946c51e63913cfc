using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using AICO.Security;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using NetMQ;
using NetMQ.Sockets;

namespace AICO.Bus;

/// <summary>
/// A process's connection to the broker. One poller thread owns the DEALER socket and does the handshake, sealing,
/// batching and dispatch; callers only encode records and put them on a bounded queue. Every failure shows in
/// <see cref="State"/> and <see cref="StatusReason"/> with one log line per state change; every drop is counted.
/// </summary>
public sealed class BusClient : IBusClient
{
    private enum Phase { Waiting, HelloSent, AuthSent, Authenticated }

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly ComponentKeys _keys;
    private readonly byte[] _brokerPublic;
    private readonly BusClientOptions _options;
    private readonly ILogger? _logger;
    private readonly ConcurrentQueue<(byte[] Buffer, int Length)> _outbound = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<BusMessage>> _pendingRequests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<object?>> _pendingControls = new();
    private readonly List<Subscription> _subscriptions = [];
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    private readonly RecordWriter _batch;
    private readonly ClientStreams _streams;
    private readonly NetMQQueue<int> _wake = new();
    private readonly NetMQTimer _timer = new(Tick);
    private readonly NetMQPoller _poller;
    private readonly object _stateLock = new();
    private byte[] _plain;
    private byte[] _sealBuffer;
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
    private FrameOpener? _opener;
    private byte[]? _blockedFrame;
    private int _blockedRecords;
    private int _batchRecords;
    private int _outboundCount;
    private int _wakePending;
    private long _nextId;
    private TaskCompletionSource _authenticated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _spaceAvailable = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private BusConnectionState _state = BusConnectionState.Connecting;
    private string _reason;
    private int _started;
    private int _disposed;
    private long _messagesOut;
    private long _messagesIn;
    private long _dropped;
    private long _denied;

    public BusClient(ComponentKeys keys, BusClientOptions options, ILogger<BusClient>? logger = null)
    {
        _keys = keys;
        _options = options;
        _logger = logger;
        if (!Z85.TryDecode(keys.BrokerPublicKeyZ85, out var brokerPublic) || brokerPublic.Length != CurveKeyPair.KeyLength)
        {
            throw new ArgumentException("the broker public key is not a 40-character Z85 key");
        }

        _brokerPublic = brokerPublic;
        _backoff = options.MinReconnectDelay;
        _reason = $"connecting to {options.Endpoint}";
        _batch = new RecordWriter(options.BatchBytes * 2);
        _streams = new ClientStreams(
            (op, slot, topic, correlation, type, payload, activity, cancellationToken) => EnqueueAsync(Encode(op, slot, topic, correlation, type, payload, null, activity), cancellationToken),
            record => EnqueueAsync(record, CancellationToken.None),
            reason => CountDrops(1, reason));
        _plain = new byte[options.MaxMessageBytes + 128 * 1024];
        _sealBuffer = new byte[options.BatchBytes * 2 + FrameSealer.Overhead];
        _wake.ReceiveReady += (_, _) => OnWake();
        _timer.Elapsed += (_, _) => OnTick();
        _poller = [_wake, _timer];
    }

    public string Component => _keys.Component;

    public string Endpoint => _options.Endpoint;

    public BusConnectionState State => _state;

    public string StatusReason => _reason;

    /// <summary>Messages handed to the socket, messages received, messages dropped anywhere in this client, operations the broker refused.</summary>
    public long MessagesOut => Interlocked.Read(ref _messagesOut);

    public long MessagesIn => Interlocked.Read(ref _messagesIn);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Denied => Interlocked.Read(ref _denied);

    public event Action<BusConnectionState>? StateChanged;

    /// <summary>Starts the socket thread; the handshake and every retry run there. Safe to call more than once.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            return;
        }

        _poller.RunAsync("AICO.Bus client " + Component, isBackgroundThread: true);
        RunOnPoller(StartAttempt);
    }

    public async Task WaitUntilAuthenticatedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(_disposed == 1, this);
            var waiter = _authenticated;
            if (_state == BusConnectionState.Authenticated)
            {
                return;
            }

            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Never throws for a full queue or a disposed client (a logger may still call it during shutdown): false, counted.</summary>
    public bool TryPublish(string topic, string messageType, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? attributes = null)
    {
        if (_disposed == 1)
        {
            CountDrops(1, "disposed");
            return false;
        }

        return TryEnqueue(Encode(RecordOp.Publish, 0, topic, "", messageType, payload, attributes, Activity.Current));
    }

    public async ValueTask PublishAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? attributes = null, CancellationToken cancellationToken = default) =>
        await EnqueueAsync(Encode(RecordOp.Publish, 0, topic, "", messageType, payload, attributes, Activity.Current), cancellationToken).ConfigureAwait(false);

    /// <summary>Publishes and waits until the broker has accepted (routed) it; <see cref="BusDeniedException"/> when refused.</summary>
    public async Task PublishConfirmedAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? attributes, CancellationToken cancellationToken)
    {
        var id = NextId();
        var confirmation = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingControls[id] = confirmation;
        try
        {
            await EnqueueAsync(Encode(RecordOp.Publish, id, topic, "", messageType, payload, attributes, Activity.Current), cancellationToken).ConfigureAwait(false);
            await confirmation.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pendingControls.TryRemove(id, out _);
        }
    }

    public async Task<IAsyncDisposable> SubscribeAsync(string topicPrefix, Func<BusMessage, CancellationToken, Task> handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topicPrefix);
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(_disposed == 1, this);
        var subscription = new Subscription(topicPrefix, handler, _options.SubscriptionCapacity, Warn);
        subscription.Start();
        RunOnPoller(() =>
        {
            _subscriptions.Add(subscription);
            if (_phase == Phase.Authenticated)
            {
                SendSubscribe(subscription);
            }
        });

        try
        {
            await subscription.Confirmed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await RemoveSubscriptionAsync(subscription).ConfigureAwait(false);
            throw;
        }

        return new SubscriptionHandle(this, subscription);
    }

    public async Task<BusMessage> RequestAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var correlation = Guid.NewGuid().ToString("N");
        var reply = new TaskCompletionSource<BusMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingRequests[correlation] = reply;
        using var activity = BusTelemetry.Source.StartActivity("request " + topic, ActivityKind.Client);
        activity?.SetTag("messaging.system", "aico.bus");
        activity?.SetTag("messaging.destination.name", topic);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await EnqueueAsync(Encode(RecordOp.Request, 0, topic, correlation, messageType, payload, null, activity ?? Activity.Current), cancellationToken).ConfigureAwait(false);
            try
            {
                return await reply.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"no reply to '{topic}' within {timeout.TotalSeconds:0.###}s (bus state: {_state}, {_reason})");
            }
        }
        finally
        {
            _pendingRequests.TryRemove(correlation, out _);
            BusTelemetry.RequestDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, BusTelemetry.Side("client"));
        }
    }

    public async ValueTask ReplyAsync(BusMessage request, string messageType, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.CorrelationId))
        {
            throw new InvalidOperationException($"the message on '{request.Topic}' is not a request (no correlation id)");
        }

        await EnqueueAsync(Encode(RecordOp.Reply, 0, request.Topic, request.CorrelationId, messageType, payload, null, Activity.Current), cancellationToken).ConfigureAwait(false);
    }

    public IAsyncEnumerable<BusMessage> RequestStreamAsync(string topic, string messageType, ReadOnlyMemory<byte> payload, BusStreamOptions options, CancellationToken cancellationToken) =>
        _streams.RequestAsync(topic, messageType, payload, options, cancellationToken);

    public BusReplyStream OpenReplyStream(BusMessage request) => _streams.OpenReply(request);

    public async Task<BrokerStatus> GetBrokerStatusAsync(CancellationToken cancellationToken)
    {
        await WaitUntilAuthenticatedAsync(cancellationToken).ConfigureAwait(false);
        var id = NextId();
        var reply = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingControls[id] = reply;
        try
        {
            RunOnPoller(() => SendControl(new Control { Kind = ControlKind.ControlStatusRequest, RequestId = id }));
            var report = (StatusReport)(await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false))!;
            return BrokerEngine.ToStatus(report);
        }
        finally
        {
            _pendingControls.TryRemove(id, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (_started == 1 && _poller.IsRunning)
        {
            await SayGoodbyeAsync().ConfigureAwait(false);
            await Task.Run(_poller.Stop).ConfigureAwait(false);
        }

        _poller.Dispose();
        _socket?.Dispose();
        _wake.Dispose();
        _sealer?.Dispose();
        _opener?.Dispose();
        foreach (var subscription in _subscriptions.ToList())
        {
            await subscription.StopAsync().ConfigureAwait(false);
        }

        _streams.OnConnectionLost("the bus client was disposed");
        foreach (var pending in _pendingRequests.Values)
        {
            pending.TrySetException(new ObjectDisposedException(nameof(BusClient)));
        }

        foreach (var pending in _pendingControls.Values)
        {
            pending.TrySetException(new ObjectDisposedException(nameof(BusClient)));
        }

        while (_outbound.TryDequeue(out var item))
        {
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }

        SetState(BusConnectionState.Disposed, "disposed");
        _authenticated.TrySetException(new ObjectDisposedException(nameof(BusClient)));
    }

    /// <summary>Lets the broker drop this session at once instead of waiting for missed heartbeats.</summary>
    private async Task SayGoodbyeAsync()
    {
        var sent = Task.Factory.StartNew(
            () =>
            {
                if (_phase == Phase.Authenticated && _socket is not null)
                {
                    DrainOutbound();
                    _socket.Options.Linger = TimeSpan.FromMilliseconds(500);
                    SendControl(new Control { Kind = ControlKind.ControlBye });
                }
            },
            CancellationToken.None,
            TaskCreationOptions.None,
            _poller);
        await sent.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    // ---- caller side ----

    private (byte[] Buffer, int Length) Encode(RecordOp op, ulong ackId, string topic, string correlation, string messageType, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, string>? attributes, Activity? activity)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ObjectDisposedException.ThrowIf(_disposed == 1, this);
        if (payload.Length > _options.MaxMessageBytes)
        {
            throw new ArgumentException($"payload of {payload.Length} bytes exceeds the bus limit of {_options.MaxMessageBytes} bytes", nameof(payload));
        }

        var envelope = new Envelope
        {
            MessageId = Guid.NewGuid().ToString("N"),
            TimestampUnixMicros = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000,
            SourceComponent = Component,
            MessageType = messageType ?? "",
            Version = 1,
            Payload = UnsafeByteOperations.UnsafeWrap(payload),
            CorrelationId = correlation,
        };
        if (attributes is not null)
        {
            foreach (var (key, value) in attributes)
            {
                envelope.Attributes[key] = value;
            }
        }

        if (activity is not null && activity.IdFormat == ActivityIdFormat.W3C)
        {
            envelope.Traceparent = activity.Id ?? "";
            envelope.Tracestate = activity.TraceStateString ?? "";
        }

        return RecordWriter.EncodeMessage(op, ackId, topic, correlation, envelope);
    }

    private bool TryEnqueue((byte[] Buffer, int Length) record)
    {
        if (Interlocked.Increment(ref _outboundCount) > _options.OutboundCapacity)
        {
            Interlocked.Decrement(ref _outboundCount);
            ArrayPool<byte>.Shared.Return(record.Buffer);
            Interlocked.Increment(ref _dropped);
            BusTelemetry.Drops.Add(1, BusTelemetry.Side("client"), BusTelemetry.Reason("outbound-queue-full"));
            WarnOnce("outbound-full", $"outbound queue full ({_options.OutboundCapacity} messages): dropping publishes ({_state}: {_reason})");
            return false;
        }

        _outbound.Enqueue(record);
        Wake();
        return true;
    }

    private async ValueTask EnqueueAsync((byte[] Buffer, int Length) record, CancellationToken cancellationToken)
    {
        while (true)
        {
            var space = _spaceAvailable;
            if (Interlocked.Increment(ref _outboundCount) <= _options.OutboundCapacity)
            {
                _outbound.Enqueue(record);
                Wake();
                return;
            }

            Interlocked.Decrement(ref _outboundCount);
            try
            {
                await space.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(record.Buffer);
                throw;
            }
        }
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0 && _disposed == 0)
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

    private void RunOnPoller(Action action)
    {
        ObjectDisposedException.ThrowIf(_disposed == 1, this);
        _ = Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.None, _poller);
    }

    private ulong NextId() => (ulong)Interlocked.Increment(ref _nextId);

    private async ValueTask RemoveSubscriptionAsync(Subscription subscription)
    {
        if (_disposed == 0)
        {
            var removed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            RunOnPoller(() =>
            {
                _subscriptions.Remove(subscription);
                if (_phase == Phase.Authenticated && !_subscriptions.Exists(s => s.Prefix == subscription.Prefix))
                {
                    SendControl(new Control { Kind = ControlKind.ControlUnsubscribe, RequestId = NextId(), Topic = subscription.Prefix });
                }

                removed.TrySetResult();
            });
            await removed.Task.ConfigureAwait(false);
        }

        await subscription.StopAsync().ConfigureAwait(false);
    }

    // ---- socket thread ----

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

        _handshake = new ClientHandshake(Component, _keys.KeyPair, _brokerPublic);
        _socket.TrySendFrame(TimeSpan.Zero, _handshake.Start());
        _phase = Phase.HelloSent;
        _deadline = DateTime.UtcNow + _options.WelcomeTimeout;
    }

    private void ResetSession()
    {
        if (_sealer is not null)
        {
            _streams.OnConnectionLost(_reason);
        }

        if (_socket is not null)
        {
            _poller.Remove(_socket);
            _socket.Dispose();
            _socket = null;
        }

        _sealer?.Dispose();
        _opener?.Dispose();
        _sealer = null;
        _opener = null;
        if (_blockedFrame is not null || _batchRecords > 0)
        {
            CountDrops(_blockedRecords + _batchRecords, "connection-lost");
        }

        _blockedFrame = null;
        _blockedRecords = 0;
        _batch.Reset();
        _batchRecords = 0;
        _handshake = null;
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
                    SetState(BusConnectionState.Connecting, $"lost the broker at {_options.Endpoint}: no heartbeat for {(_heartbeat * _options.HeartbeatMisses).TotalSeconds:0.#}s; reconnecting");
                    StartAttempt();
                }
                else if (now - _lastPing >= _heartbeat)
                {
                    _lastPing = now;
                    SendControl(new Control { Kind = ControlKind.ControlPing });
                }

                if (_blockedFrame is not null)
                {
                    TrySendBlocked();
                }

                break;
        }
    }

    private void Fail(BusConnectionState state, string reason)
    {
        BusTelemetry.HandshakeFailures.Add(1, BusTelemetry.Side("client"));
        SetState(state, reason);
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
                    CountDrops(1, "malformed");
                    WarnOnce("malformed", $"dropped a malformed frame from the broker: {ex.Message}");
                }
            }
        }
        finally
        {
            msg.Close();
        }

        DrainOutbound();
    }

    private void OnFrame(ReadOnlySpan<byte> frame)
    {
        switch (frame[0])
        {
            case FrameKind.Challenge when _phase == Phase.HelloSent:
                OnHandshake(frame);
                break;
            case FrameKind.Denied:
                OnDenied(global::AICO.Bus.Denied.Parser.ParseFrom(frame[1..]));
                break;
            case FrameKind.Sealed when _opener is not null:
                OnSealed(frame);
                break;
            default:
                CountDrops(1, "unexpected");
                WarnOnce("unexpected-" + frame[0], $"dropped an unexpected frame (kind 0x{frame[0]:x2}) in phase {_phase}");
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
        _opener = new FrameOpener(result.Keys.BrokerToClient);
        if (result.Reply is { } reply)
        {
            _socket!.TrySendFrame(TimeSpan.Zero, reply);
        }

        _phase = Phase.AuthSent;
    }

    private void OnDenied(global::AICO.Bus.Denied denied)
    {
        Interlocked.Increment(ref _denied);
        if (denied.Code == DenyCode.DenyNoSession)
        {
            // The broker does not know this session (it restarted): authenticate again at once.
            SetState(BusConnectionState.Connecting, $"the broker at {_options.Endpoint} lost this session ({denied.Reason}); authenticating again");
            _backoff = _options.MinReconnectDelay;
            StartAttempt();
            return;
        }

        Fail(BusConnectionState.Denied, "denied by the broker: " + denied.Reason);
    }

    private void OnSealed(ReadOnlySpan<byte> frame)
    {
        if (frame.Length > _plain.Length)
        {
            _plain = new byte[frame.Length];
        }

        var result = _opener!.TryOpen(frame, _plain, out var length);
        if (result != OpenResult.Ok)
        {
            CountDrops(1, result.ToString().ToLowerInvariant());
            WarnOnce("open-" + result, $"dropped a {result.ToString().ToLowerInvariant()} frame that claimed to come from the broker");
            return;
        }

        _lastReceived = DateTime.UtcNow;
        BusTelemetry.BytesIn.Add(frame.Length, BusTelemetry.Side("client"));
        var reader = new RecordReader(_plain.AsSpan(0, length));
        while (reader.TryNext(out var op, out var body))
        {
            switch (op)
            {
                case RecordOp.Control:
                    OnControl(Control.Parser.ParseFrom(body));
                    break;
                case RecordOp.Deliver:
                case RecordOp.DeliverReply:
                case RecordOp.DeliverStreamRequest or RecordOp.DeliverStreamItem or RecordOp.DeliverStreamEnd:
                    OnDeliver(op, RecordReader.ParseMessage(body));
                    break;
                default:
                    throw new FormatException($"unknown record op {(byte)op} from the broker");
            }
        }
    }

    private void OnControl(Control control)
    {
        switch (control.Kind)
        {
            case ControlKind.ControlWelcome when _phase == Phase.AuthSent:
                _phase = Phase.Authenticated;
                _heartbeat = TimeSpan.FromMilliseconds(Math.Max(50, control.HeartbeatMillis));
                _lastPing = _lastReceived = DateTime.UtcNow;
                _backoff = _options.MinReconnectDelay;
                SetState(BusConnectionState.Authenticated, $"authenticated as '{Component}' at {_options.Endpoint} (connection {control.ConnectionId})");
                foreach (var subscription in _subscriptions)
                {
                    SendSubscribe(subscription);
                }

                break;
            case ControlKind.ControlAck:
            case ControlKind.ControlStatusReply:
                if (_pendingControls.TryRemove(control.RequestId, out var pending))
                {
                    pending.TrySetResult(control.Status);
                }

                break;
            case ControlKind.ControlRefused:
                OnRefused(control);
                break;
            case ControlKind.ControlPong:
                break;
            case ControlKind.ControlStreamCredit or ControlKind.ControlStreamCancel:
                _streams.OnControl(control);
                break;
            default:
                CountDrops(1, "unexpected-control");
                break;
        }
    }

    private void OnRefused(Control control)
    {
        Interlocked.Increment(ref _denied);
        BusTelemetry.Denials.Add(1, BusTelemetry.Side("client"));
        var error = new BusDeniedException(control.Reason);
        if (control.RequestId != 0 && _pendingControls.TryRemove(control.RequestId, out var pending))
        {
            pending.TrySetException(error);
            return;
        }

        if (control.CorrelationId.Length > 0 && _pendingRequests.TryRemove(control.CorrelationId, out var request))
        {
            request.TrySetException(error);
            return;
        }

        if (_streams.OnRefused(control))
        {
            return;
        }

        WarnOnce("refused:" + control.Topic, "the broker refused a publish: " + control.Reason);
    }

    private void OnDeliver(RecordOp op, MessageRecord record)
    {
        Interlocked.Increment(ref _messagesIn);
        BusTelemetry.MessagesIn.Add(1, BusTelemetry.Side("client"));
        var envelope = Envelope.Parser.ParseFrom(record.Envelope);
        var topic = Encoding.UTF8.GetString(record.Topic);
        var message = new BusMessage(
            topic,
            envelope.MessageType,
            Encoding.UTF8.GetString(record.Source),
            envelope.MessageId,
            DateTimeOffset.FromUnixTimeMilliseconds(envelope.TimestampUnixMicros / 1000),
            envelope.Payload.Memory,
            envelope.Attributes,
            record.Correlation.IsEmpty ? null : Encoding.UTF8.GetString(record.Correlation))
        {
            TraceParent = envelope.Traceparent.Length > 0 ? envelope.Traceparent : null,
            TraceState = envelope.Tracestate.Length > 0 ? envelope.Tracestate : null,
            StreamWindow = op == RecordOp.DeliverStreamRequest ? (int)Math.Min(record.AckId, BusStreamLimits.MaxWindow) : 0,
            IsStreamEnd = op == RecordOp.DeliverStreamEnd,
        };

        if (op is RecordOp.DeliverStreamItem or RecordOp.DeliverStreamEnd)
        {
            _streams.OnDelivered(message);
            return;
        }

        if (op == RecordOp.DeliverStreamRequest)
        {
            _streams.OnStreamRequest(message);
        }

        if (op == RecordOp.DeliverReply)
        {
            if (message.CorrelationId is { } correlation && _pendingRequests.TryRemove(correlation, out var pending))
            {
                pending.TrySetResult(message);
            }
            else
            {
                CountDrops(1, "late-reply");
            }

            return;
        }

        foreach (var subscription in _subscriptions)
        {
            if (record.Topic.StartsWith(subscription.PrefixUtf8) && !subscription.TryDeliver(message))
            {
                CountDrops(1, "subscription-queue-full");
                WarnOnce("sub-full:" + subscription.Prefix, $"handler queue of '{subscription.Prefix}' is full: dropping deliveries");
            }
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
                        Warn($"the broker refused to restore the subscription '{subscription.Prefix}': {error.Message}");
                    }
                }
            },
            TaskScheduler.Default);
        SendControl(new Control { Kind = ControlKind.ControlSubscribe, RequestId = id, Topic = subscription.Prefix });
    }

    private void SendControl(Control control)
    {
        if (_phase != Phase.Authenticated)
        {
            return;
        }

        _batch.WriteControl(control);
        _batchRecords++;
        FlushBatch();
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
            DrainOutbound();
            Volatile.Write(ref _wakePending, 0);
            if (_outbound.IsEmpty || _phase != Phase.Authenticated || _blockedFrame is not null || Interlocked.Exchange(ref _wakePending, 1) == 1)
            {
                return;
            }
        }
    }

    private void DrainOutbound()
    {
        if (_phase != Phase.Authenticated || _blockedFrame is not null)
        {
            return;
        }

        var drained = 0;
        while (_blockedFrame is null && _outbound.TryDequeue(out var item))
        {
            // A frame is either up to BatchBytes of records or one large record, so it stays under the broker's frame limit.
            if (_batch.Length > 0 && _batch.Length + item.Length > _options.BatchBytes)
            {
                FlushBatch();
            }

            _batch.Append(item.Buffer.AsSpan(0, item.Length));
            ArrayPool<byte>.Shared.Return(item.Buffer);
            _batchRecords++;
            drained++;
            if (_batch.Length >= _options.BatchBytes)
            {
                FlushBatch();
            }
        }

        if (drained > 0)
        {
            Interlocked.Add(ref _outboundCount, -drained);
            var space = Interlocked.Exchange(ref _spaceAvailable, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            space.TrySetResult();
        }

        FlushBatch();
    }

    private void FlushBatch()
    {
        if (_batch.Length == 0 || _blockedFrame is not null || _sealer is null)
        {
            return;
        }

        var needed = _batch.Length + FrameSealer.Overhead;
        if (_sealBuffer.Length < needed)
        {
            _sealBuffer = new byte[needed];
        }

        var length = _sealer.Seal(_batch.Written, _sealBuffer);
        var records = _batchRecords;
        _batch.Reset();
        _batchRecords = 0;
        var socket = _socket!;
        if (socket.TrySendFrame(TimeSpan.Zero, _sealBuffer, length))
        {
            Sent(records, length);
            return;
        }

        // The socket's queue is full (broker slow or gone): keep the frame and retry when it can take it.
        _blockedFrame = _sealBuffer.AsSpan(0, length).ToArray();
        _blockedRecords = records;
        socket.SendReady += OnSendReady;
    }

    private void OnSendReady(object? sender, NetMQSocketEventArgs e) => TrySendBlocked();

    private void TrySendBlocked()
    {
        if (_blockedFrame is null || _socket is null)
        {
            return;
        }

        if (_socket.TrySendFrame(TimeSpan.Zero, _blockedFrame))
        {
            Sent(_blockedRecords, _blockedFrame.Length);
            _blockedFrame = null;
            _blockedRecords = 0;
            _socket.SendReady -= OnSendReady;
            DrainOutbound();
        }
    }

    private void Sent(int records, int bytes)
    {
        Interlocked.Add(ref _messagesOut, records);
        BusTelemetry.MessagesOut.Add(records, BusTelemetry.Side("client"));
        BusTelemetry.BytesOut.Add(bytes, BusTelemetry.Side("client"));
    }

    private void CountDrops(int count, string reason)
    {
        Interlocked.Add(ref _dropped, count);
        BusTelemetry.Drops.Add(count, BusTelemetry.Side("client"), BusTelemetry.Reason(reason));
    }

    private void SetState(BusConnectionState state, string reason)
    {
        Action<BusConnectionState>? changed;
        lock (_stateLock)
        {
            _reason = reason;
            if (_state == state || _state == BusConnectionState.Disposed)
            {
                return;
            }

            _state = state;
            if (state == BusConnectionState.Authenticated)
            {
                _authenticated.TrySetResult();
            }
            else if (_authenticated.Task.IsCompleted && state != BusConnectionState.Disposed)
            {
                _authenticated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            changed = StateChanged;
        }

        if (state == BusConnectionState.Authenticated)
        {
            Log(LogLevel.Information, $"bus client '{Component}': {state}: {reason}");
        }
        else if (state != BusConnectionState.Disposed)
        {
            Log(LogLevel.Warning, $"bus client '{Component}': {state}: {reason}");
        }

        try
        {
            changed?.Invoke(state);
        }
        catch (Exception ex)
        {
            Log(LogLevel.Warning, $"bus client '{Component}': a StateChanged handler threw {ex.GetType().Name}: {ex.Message}");
        }
    }

    private void WarnOnce(string key, string message)
    {
        bool first;
        lock (_warned)
        {
            first = _warned.Count < 1000 && _warned.Add(key);
        }

        if (first)
        {
            Warn(message);
        }
    }

    private void Warn(string message) => Log(LogLevel.Warning, $"bus client '{Component}': {message}");

    /// <summary>Diagnostics go to an AICO.Bus logger category (which the bus log provider filters out), else to stderr.</summary>
    private void Log(LogLevel level, string message)
    {
        if (_logger is not null)
        {
            _logger.Log(level, "{Message}", message);
        }
        else if (level >= LogLevel.Warning)
        {
            Console.Error.WriteLine("warning: " + message);
        }
    }

    private sealed class SubscriptionHandle(BusClient client, Subscription subscription) : IAsyncDisposable
    {
        private int _disposed;

        public ValueTask DisposeAsync() =>
            Interlocked.Exchange(ref _disposed, 1) == 0 ? client.RemoveSubscriptionAsync(subscription) : ValueTask.CompletedTask;
    }
}
