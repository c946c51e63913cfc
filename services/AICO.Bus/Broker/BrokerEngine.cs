using System.Security.Cryptography;
using System.Text;
using AICO.Security;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NetMQ;
using NetMQ.Sockets;

namespace AICO.Bus;

/// <summary>
/// The AICO broker: one ROUTER socket (CURVE server) owned by one poller thread. Every peer must complete the inner
/// mutual handshake (docs/bus-protocol.md) before anything it sends is routed; everything after the handshake is
/// sealed per session. Each receive burst is processed, then each client's outbox is sealed and sent as one frame.
/// </summary>
public sealed class BrokerEngine : IAsyncDisposable
{
    private const int ReceiveBurst = 2048;
    private const int OutboxFlushBytes = 256 * 1024;

    private readonly CurveKeyPair _keys;
    private readonly BrokerKeyring _keyring;
    private readonly BrokerOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, BrokerConnection> _connections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (BrokerConnection Requester, DateTime Expires)> _pendingRequests = new(StringComparer.Ordinal);
    private readonly HashSet<string> _warnedPeers = new(StringComparer.Ordinal);
    private readonly byte[] _plain;
    private readonly BrokerStreams _streams;
    private byte[] _sealBuffer;
    private RouterSocket? _router;
    private NetMQPoller? _poller;
    private NetMQTimer? _timer;
    private long _deniedTotal;
    private long _droppedTotal;
    private int _connectedCount;

    public BrokerEngine(CurveKeyPair keys, IReadOnlyDictionary<string, string> allowList, BrokerOptions options, ILogger<BrokerEngine>? logger = null)
    {
        _keys = keys;
        _keyring = new BrokerKeyring(keys, allowList);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _plain = new byte[options.MaxFrameBytes];
        _sealBuffer = new byte[OutboxFlushBytes * 2];
        _streams = new BrokerStreams(options, () => _connections.Values, (c, topic, correlation, reason) => RefuseOperation(c, 0, topic, correlation, reason), CountDrop);
    }

    /// <summary>The endpoint actually bound (with the real port when an ephemeral one was asked for).</summary>
    public string BoundEndpoint { get; private set; } = "";

    public bool IsServing => _poller is { IsRunning: true };

    /// <summary>Authenticated clients right now (readable from any thread).</summary>
    public int ConnectedClients => Volatile.Read(ref _connectedCount);

    public void Start()
    {
        if (_router is not null)
        {
            throw new InvalidOperationException("the broker is already started");
        }

        _router = new RouterSocket();
        _router.Options.CurveServer = true;
        _router.Options.CurveCertificate = NetMQCertificate.CreateFromSecretKey(_keys.SecretKeyZ85);
        _router.Options.RouterMandatory = true;
        _router.Options.Linger = TimeSpan.Zero;
        _router.Options.SendHighWatermark = _options.SendHighWatermark;
        _router.Options.ReceiveHighWatermark = _options.ReceiveHighWatermark;
        _router.Options.MaxMsgSize = _options.MaxFrameBytes;
        BoundEndpoint = Bind(_router, _options);

        _router.ReceiveReady += (_, _) => OnReceiveReady();
        _timer = new NetMQTimer(_options.HeartbeatInterval);
        _timer.Elapsed += (_, _) => Sweep();
        _poller = [_router, _timer];
        _poller.RunAsync("AICO.Bus broker", isBackgroundThread: true);
        _logger.LogInformation("AICO broker serving on {Endpoint} (CURVE outer layer, sealed sessions inside)", BoundEndpoint);
    }

    /// <summary>A consistent snapshot, taken on the broker thread.</summary>
    public Task<BrokerStatus> GetStatusAsync()
    {
        var poller = _poller ?? throw new InvalidOperationException("the broker is not started");
        return Task.Factory.StartNew(() => ToStatus(Snapshot()), CancellationToken.None, TaskCreationOptions.None, poller);
    }

    public async ValueTask DisposeAsync()
    {
        if (_poller is { } poller)
        {
            if (poller.IsRunning)
            {
                await Task.Run(poller.Stop).ConfigureAwait(false);
            }

            poller.Dispose();
        }

        _router?.Dispose();
        foreach (var connection in _connections.Values)
        {
            connection.Dispose();
        }

        _connections.Clear();
        _poller = null;
    }

    private static string Bind(RouterSocket router, BrokerOptions options)
    {
        var endpoint = options.Endpoint;
        var uri = endpoint.StartsWith("tcp://", StringComparison.Ordinal) ? endpoint["tcp://".Length..] : throw new ArgumentException($"Bus:Endpoint must be tcp://host:port, got '{endpoint}'");
        var colon = uri.LastIndexOf(':');
        if (colon <= 0)
        {
            throw new ArgumentException($"Bus:Endpoint must be tcp://host:port, got '{endpoint}'");
        }

        var host = string.IsNullOrWhiteSpace(options.BindAddress) ? uri[..colon] : options.BindAddress.Trim();
        var port = uri[(colon + 1)..];
        if (port is "0" or "*")
        {
            var bound = router.BindRandomPort("tcp://" + host);
            return $"tcp://{host}:{bound}";
        }

        router.Bind($"tcp://{host}:{port}");
        return $"tcp://{host}:{port}";
    }

    private void OnReceiveReady()
    {
        var router = _router!;
        var idMsg = default(Msg);
        var bodyMsg = default(Msg);
        idMsg.InitEmpty();
        bodyMsg.InitEmpty();
        try
        {
            for (var i = 0; i < ReceiveBurst; i++)
            {
                if (!router.TryReceive(ref idMsg, TimeSpan.Zero))
                {
                    break;
                }

                if (!idMsg.HasMore)
                {
                    continue;
                }

                var routingId = idMsg.Size == 0 ? [] : idMsg.Slice().ToArray();
                router.TryReceive(ref bodyMsg, TimeSpan.Zero);
                var extraParts = bodyMsg.HasMore;
                while (bodyMsg.HasMore)
                {
                    var extra = default(Msg);
                    extra.InitEmpty();
                    router.TryReceive(ref extra, TimeSpan.Zero);
                    bodyMsg.Close();
                    bodyMsg = extra;
                }

                var frame = bodyMsg.Size == 0 ? ReadOnlySpan<byte>.Empty : (ReadOnlySpan<byte>)bodyMsg.Slice();
                try
                {
                    if (extraParts)
                    {
                        Refuse(routingId, Key(routingId), null, DenyCode.DenyProtocol, "multipart frames are not part of the bus protocol");
                    }
                    else
                    {
                        Handle(routingId, frame);
                    }
                }
                catch (Exception ex) when (ex is FormatException or InvalidProtocolBufferException or CryptographicException or ArgumentException)
                {
                    Refuse(routingId, Key(routingId), null, DenyCode.DenyProtocol, "malformed frame: " + ex.Message);
                }

                bodyMsg.Close();
                bodyMsg.InitEmpty();
            }
        }
        finally
        {
            idMsg.Close();
            bodyMsg.Close();
        }

        FlushAll();
    }

    private void Handle(byte[] routingId, ReadOnlySpan<byte> frame)
    {
        var key = Key(routingId);
        _connections.TryGetValue(key, out var connection);
        if (frame.IsEmpty)
        {
            Refuse(routingId, key, connection, DenyCode.DenyProtocol, "empty frame");
            return;
        }

        switch (frame[0])
        {
            case FrameKind.Sealed when connection is { Authenticated: true }:
                OnSealed(connection, frame);
                break;
            case FrameKind.Sealed:
                Refuse(routingId, key, connection, DenyCode.DenyNoSession, "no session: the handshake must complete before any other traffic");
                break;
            case FrameKind.Hello or FrameKind.Auth:
                OnHandshake(routingId, key, connection, frame);
                break;
            default:
                Refuse(routingId, key, connection, DenyCode.DenyProtocol, $"unexpected frame kind 0x{frame[0]:x2}");
                break;
        }
    }

    private void OnHandshake(byte[] routingId, string key, BrokerConnection? connection, ReadOnlySpan<byte> frame)
    {
        if (frame[0] == FrameKind.Hello)
        {
            if (connection is not null)
            {
                Remove(connection, "re-handshake");
            }

            if (_connections.Count >= _options.MaxPendingHandshakes + _connectedCount)
            {
                Refuse(routingId, key, null, DenyCode.DenyProtocol, "too many handshakes in progress");
                return;
            }

            connection = new BrokerConnection(routingId, key, DateTime.UtcNow) { Handshake = new BrokerHandshake(_keyring) };
        }
        else if (connection?.Handshake is null)
        {
            Refuse(routingId, key, connection, DenyCode.DenyNoSession, "AUTH without a pending challenge: send HELLO first");
            return;
        }

        var result = connection.Handshake!.Receive(frame);
        switch (result.Status)
        {
            case HandshakeStatus.Continue:
                connection.Claim(result.Component);
                _connections[key] = connection;
                SendFrame(routingId, result.Reply!, result.Reply!.Length);
                break;
            case HandshakeStatus.Refused:
                Refuse(routingId, key, connection, result.Code, result.Reason, result.Component);
                break;
            default:
                Establish(connection, result);
                break;
        }
    }

    private void Establish(BrokerConnection connection, HandshakeResult result)
    {
        connection.Claim(result.Component);
        _connections[connection.Id] = connection;
        if (result.Reply is { } reply)
        {
            SendFrame(connection.RoutingId, reply, reply.Length);
        }

        connection.Authenticate(result.Keys!);
        connection.LastSeen = DateTime.UtcNow;
        _connectedCount++;
        connection.Outbox.WriteControl(new Control
        {
            Kind = ControlKind.ControlWelcome,
            HeartbeatMillis = (uint)_options.HeartbeatInterval.TotalMilliseconds,
            ConnectionId = connection.Id,
        });
        connection.OutboxRecords++;
        _logger.LogInformation("bus client '{Component}' authenticated (connection {Connection})", result.Component, connection.Id);
    }

    private void OnSealed(BrokerConnection connection, ReadOnlySpan<byte> frame)
    {
        var result = connection.Opener!.TryOpen(frame, _plain, out var length);
        if (result != OpenResult.Ok)
        {
            connection.Dropped++;
            _droppedTotal++;
            BusTelemetry.Drops.Add(1, BusTelemetry.Side("broker"), BusTelemetry.Reason(result.ToString().ToLowerInvariant()));
            WarnOnce(connection.Id, $"dropped a {result.ToString().ToLowerInvariant()} frame from '{connection.Component}' ({connection.Id})");
            return;
        }

        connection.LastSeen = DateTime.UtcNow;
        BusTelemetry.BytesIn.Add(frame.Length, BusTelemetry.Side("broker"));
        var reader = new RecordReader(_plain.AsSpan(0, length));
        while (reader.TryNext(out var op, out var body))
        {
            switch (op)
            {
                case RecordOp.Control:
                    OnControl(connection, Control.Parser.ParseFrom(body));
                    break;
                case RecordOp.Publish:
                case RecordOp.Request:
                    OnPublish(connection, op, RecordReader.ParseMessage(body));
                    break;
                case RecordOp.Reply:
                    OnReply(connection, RecordReader.ParseMessage(body));
                    break;
                case RecordOp.StreamRequest or RecordOp.StreamItem or RecordOp.StreamEnd:
                    _streams.OnRecord(connection, op, RecordReader.ParseMessage(body));
                    break;
                default:
                    throw new FormatException($"unknown record op {(byte)op}");
            }
        }
    }

    private void OnControl(BrokerConnection connection, Control control)
    {
        switch (control.Kind)
        {
            case ControlKind.ControlSubscribe:
            {
                var prefix = Encoding.UTF8.GetBytes(control.Topic);
                if (!_options.Permissions.MaySubscribe(connection.Component, prefix))
                {
                    RefuseOperation(connection, control.RequestId, control.Topic, "", _options.Permissions.SubscribeRefusal(connection.Component, control.Topic));
                    return;
                }

                if (!connection.Subscriptions.Exists(s => s.Text == control.Topic))
                {
                    connection.Subscriptions.Add((control.Topic, prefix));
                }

                Reply(connection, new Control { Kind = ControlKind.ControlAck, RequestId = control.RequestId, Topic = control.Topic });
                break;
            }

            case ControlKind.ControlUnsubscribe:
                connection.Subscriptions.RemoveAll(s => s.Text == control.Topic);
                Reply(connection, new Control { Kind = ControlKind.ControlAck, RequestId = control.RequestId, Topic = control.Topic });
                break;
            case ControlKind.ControlPing:
                Reply(connection, new Control { Kind = ControlKind.ControlPong, RequestId = control.RequestId });
                break;
            case ControlKind.ControlBye:
                Remove(connection, "it said goodbye");
                break;
            case ControlKind.ControlStatusRequest:
                Reply(connection, new Control { Kind = ControlKind.ControlStatusReply, RequestId = control.RequestId, Status = Snapshot() });
                break;
            case ControlKind.ControlStreamCredit or ControlKind.ControlStreamCancel:
                _streams.OnControl(connection, control);
                break;
            default:
                RefuseOperation(connection, control.RequestId, "", "", $"control kind {control.Kind} is not accepted from clients");
                break;
        }
    }

    private void OnPublish(BrokerConnection connection, RecordOp op, MessageRecord message)
    {
        connection.MessagesIn++;
        BusTelemetry.MessagesIn.Add(1, BusTelemetry.Side("broker"));
        if (message.Envelope.Length > _options.MaxMessageBytes)
        {
            RefuseOperation(connection, message.AckId, Encoding.UTF8.GetString(message.Topic), Encoding.UTF8.GetString(message.Correlation),
                $"message of {message.Envelope.Length} bytes exceeds the broker limit of {_options.MaxMessageBytes} bytes");
            return;
        }

        if (!_options.Permissions.MayPublish(connection.Component, message.Topic))
        {
            var topic = Encoding.UTF8.GetString(message.Topic);
            RefuseOperation(connection, message.AckId, topic, Encoding.UTF8.GetString(message.Correlation), _options.Permissions.PublishRefusal(connection.Component, topic));
            return;
        }

        var routed = 0;
        foreach (var target in _connections.Values)
        {
            if (!target.Authenticated || !target.IsSubscribed(message.Topic))
            {
                continue;
            }

            if (target.Outbox.Length > 0 && target.Outbox.Length + message.Envelope.Length + message.Topic.Length > OutboxFlushBytes)
            {
                Flush(target);
            }

            target.Outbox.WriteMessage(RecordOp.Deliver, 0, message.Topic, connection.ComponentUtf8, message.Correlation, message.Envelope);
            target.OutboxRecords++;
            routed++;
        }

        if (op == RecordOp.Request)
        {
            var correlation = Encoding.UTF8.GetString(message.Correlation);
            if (routed == 0 || correlation.Length == 0)
            {
                RefuseOperation(connection, message.AckId, Encoding.UTF8.GetString(message.Topic), correlation,
                    correlation.Length == 0 ? "a request needs a correlation id" : $"no subscriber for '{Encoding.UTF8.GetString(message.Topic)}'");
                return;
            }

            _pendingRequests[correlation] = (connection, DateTime.UtcNow + _options.MaxRequestLifetime);
        }

        if (message.AckId != 0)
        {
            Reply(connection, new Control { Kind = ControlKind.ControlAck, RequestId = message.AckId });
        }
    }

    private void OnReply(BrokerConnection connection, MessageRecord message)
    {
        connection.MessagesIn++;
        BusTelemetry.MessagesIn.Add(1, BusTelemetry.Side("broker"));
        var correlation = Encoding.UTF8.GetString(message.Correlation);
        if (!_pendingRequests.Remove(correlation, out var pending) || !pending.Requester.Authenticated || !_connections.ContainsKey(pending.Requester.Id))
        {
            connection.Dropped++;
            _droppedTotal++;
            BusTelemetry.Drops.Add(1, BusTelemetry.Side("broker"), BusTelemetry.Reason("unroutable-reply"));
            return;
        }

        var requester = pending.Requester;
        requester.Outbox.WriteMessage(RecordOp.DeliverReply, 0, message.Topic, connection.ComponentUtf8, message.Correlation, message.Envelope);
        requester.OutboxRecords++;
    }

    private void CountDrop(BrokerConnection connection, string reason)
    {
        connection.Dropped++;
        _droppedTotal++;
        BusTelemetry.Drops.Add(1, BusTelemetry.Side("broker"), BusTelemetry.Reason(reason));
    }

    private void Reply(BrokerConnection connection, Control control)
    {
        connection.Outbox.WriteControl(control);
        connection.OutboxRecords++;
    }

    private void RefuseOperation(BrokerConnection connection, ulong requestId, string topic, string correlation, string reason)
    {
        connection.Denied++;
        _deniedTotal++;
        BusTelemetry.Denials.Add(1, BusTelemetry.Side("broker"), BusTelemetry.Reason("permission"));
        WarnOnce(connection.Id + "/" + topic, $"refused '{connection.Component}' ({connection.Id}): {reason}");
        Reply(connection, new Control { Kind = ControlKind.ControlRefused, RequestId = requestId, Topic = topic, Reason = reason, CorrelationId = correlation });
    }

    /// <summary>An explicit DENIED to a peer without a session; the peer's state is forgotten.</summary>
    private void Refuse(byte[] routingId, string key, BrokerConnection? connection, DenyCode code, string reason, string? claimed = null)
    {
        _deniedTotal++;
        BusTelemetry.Denials.Add(1, BusTelemetry.Side("broker"), BusTelemetry.Reason(code.ToString()));
        var component = BrokerHandshake.Printable(claimed ?? connection?.Component ?? "");
        var handshake = code is DenyCode.DenyUnknownComponent or DenyCode.DenyUnlistedKey or DenyCode.DenyProofFailed or DenyCode.DenyReplayedProof;
        if (handshake)
        {
            BusTelemetry.HandshakeFailures.Add(1, BusTelemetry.Side("broker"));
            _logger.LogWarning("bus: denied connection {Connection} claiming component '{Component}': {Reason}", key, component, reason);
        }
        else
        {
            WarnOnce(key, $"denied connection {key} (component '{component}'): {reason}");
        }

        if (connection is { Authenticated: false })
        {
            Remove(connection, "denied");
        }

        SendHandshake(routingId, FrameKind.Denied, new Denied { Code = code, Reason = reason });
    }

    private void SendHandshake(byte[] routingId, byte kind, IMessage message)
    {
        var size = message.CalculateSize();
        var frame = new byte[size + 1];
        frame[0] = kind;
        message.WriteTo(frame.AsSpan(1));
        SendFrame(routingId, frame, frame.Length);
    }

    private bool SendFrame(byte[] routingId, byte[] frame, int length)
    {
        try
        {
            var router = _router!;
            return router.TrySendFrame(TimeSpan.Zero, routingId, more: true)
                && router.TrySendFrame(TimeSpan.Zero, frame, length);
        }
        catch (NetMQException)
        {
            // RouterMandatory: the peer is gone. Its state is swept when it stops heart-beating.
            return false;
        }
    }

    private void FlushAll()
    {
        foreach (var connection in _connections.Values)
        {
            if (connection.Outbox.Length > 0)
            {
                Flush(connection);
            }
        }
    }

    private void Flush(BrokerConnection connection)
    {
        var plain = connection.Outbox.Written;
        var needed = plain.Length + FrameSealer.Overhead;
        if (_sealBuffer.Length < needed)
        {
            _sealBuffer = new byte[Math.Max(needed, _sealBuffer.Length * 2)];
        }

        var length = connection.Sealer!.Seal(plain, _sealBuffer);
        var records = connection.OutboxRecords;
        connection.Outbox.Reset();
        connection.OutboxRecords = 0;
        if (SendFrame(connection.RoutingId, _sealBuffer, length))
        {
            connection.MessagesOut += records;
            BusTelemetry.MessagesOut.Add(records, BusTelemetry.Side("broker"));
            BusTelemetry.BytesOut.Add(length, BusTelemetry.Side("broker"));
        }
        else
        {
            connection.Dropped += records;
            _droppedTotal += records;
            BusTelemetry.Drops.Add(records, BusTelemetry.Side("broker"), BusTelemetry.Reason("client-queue-full"));
            WarnOnce(connection.Id + "/full", $"dropping messages for '{connection.Component}' ({connection.Id}): its queue is full or it is gone");
        }
    }

    private void Sweep()
    {
        var now = DateTime.UtcNow;
        var deadline = TimeSpan.FromTicks(_options.HeartbeatInterval.Ticks * _options.HeartbeatMisses);
        foreach (var connection in _connections.Values.ToList())
        {
            if (connection.Authenticated && now - connection.LastSeen > deadline)
            {
                _logger.LogWarning("bus client '{Component}' ({Connection}) missed its heartbeats: removed with its subscriptions", connection.Component, connection.Id);
                Remove(connection, "heartbeat timeout");
            }
            else if (!connection.Authenticated && now - connection.Created > _options.HandshakeTimeout)
            {
                Remove(connection, "handshake timeout");
            }
        }

        foreach (var (correlation, pending) in _pendingRequests.ToList())
        {
            if (pending.Expires < now || !_connections.ContainsKey(pending.Requester.Id))
            {
                _pendingRequests.Remove(correlation);
            }
        }

        _streams.Sweep(now);
        if (_warnedPeers.Count > 10_000)
        {
            _warnedPeers.Clear();
        }
    }

    private void Remove(BrokerConnection connection, string why)
    {
        if (_connections.Remove(connection.Id) && connection.Authenticated)
        {
            _streams.OnRemoved(connection);
            _connectedCount--;
            _logger.LogInformation("bus client '{Component}' ({Connection}) removed: {Why}", connection.Component, connection.Id, why);
        }

        connection.Dispose();
    }

    private void WarnOnce(string key, string message)
    {
        if (_warnedPeers.Add(key))
        {
            _logger.LogWarning("bus: {Message}", message);
        }
    }

    private StatusReport Snapshot()
    {
        var report = new StatusReport { DeniedTotal = _deniedTotal, DroppedTotal = _droppedTotal };
        foreach (var c in _connections.Values.Where(c => c.Authenticated).OrderBy(c => c.Component, StringComparer.Ordinal))
        {
            var client = new ClientReport
            {
                Component = c.Component,
                ConnectionId = c.Id,
                MessagesIn = c.MessagesIn,
                MessagesOut = c.MessagesOut,
                Dropped = c.Dropped,
                Denied = c.Denied,
            };
            client.Subscriptions.AddRange(c.Subscriptions.Select(s => s.Text));
            report.Clients.Add(client);
        }

        return report;
    }

    internal static BrokerStatus ToStatus(StatusReport report) => new(
        report.Clients.Select(c => new BrokerClientStatus(c.Component, c.ConnectionId, c.Subscriptions.ToArray(), c.MessagesIn, c.MessagesOut, c.Dropped, c.Denied)).ToArray(),
        report.DeniedTotal,
        report.DroppedTotal);

    private static string Key(byte[] routingId) => Convert.ToHexString(routingId);
}
