using System.Net;
using System.Security.Cryptography;
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

    private readonly CurveKeyPair _keys;
    private readonly BrokerKeyring _keyring;
    private readonly BrokerOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, BrokerConnection> _connections = new(StringComparer.Ordinal);
    private readonly RequestRoutes _routes = new();
    private readonly HashSet<string> _warnedPeers = new(StringComparer.Ordinal);
    private readonly ConnectionIds _ids = new();
    private readonly RefusalLog _refusals;
    private readonly HandshakeAdmission _admission;
    private readonly BrokerSender _sender;
    private readonly BrokerRouting _routing;
    private readonly BrokerStreams _streams;
    private readonly BrokerHandshakes _handshakes;
    private GreetingGate? _gate;
    private readonly byte[] _plain;
    private RouterSocket? _router;
    private NetMQPoller? _poller;
    private NetMQTimer? _timer;
    private int _connectedCount;

    public BrokerEngine(CurveKeyPair keys, IReadOnlyDictionary<string, string> allowList, BrokerOptions options, ILogger<BrokerEngine>? logger = null)
    {
        _keys = keys;
        _keyring = new BrokerKeyring(keys, allowList);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _refusals = new RefusalLog(_logger);
        _admission = new HandshakeAdmission(options);
        _plain = new byte[options.MaxFrameBytes];
        _sender = new BrokerSender(options, WarnOnce);
        _streams = new BrokerStreams(options, () => _connections.Values, _refusals, _sender);
        _handshakes = new BrokerHandshakes(_keyring, options, _admission, _refusals, _sender, _connections, Remove, _logger);
        _routing = new BrokerRouting(options, _connections, _routes, _streams, _refusals, _sender, Remove, reader => BrokerStatusReport.Build(_connections.Values, _refusals, _sender.DroppedTotal, _options, reader));
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
        _sender.Router = _router;
        if (_options.UseGreetingGate)
        {
            // The router listens on loopback only; the public endpoint is the gate, which lets only ZMTP 3 CURVE peers through.
            var routerPort = _router.BindRandomPort("tcp://127.0.0.1");
            _gate = new GreetingGate(BrokerEndpoint.PublicEndPoint(_options), new IPEndPoint(IPAddress.Loopback, routerPort), _options, _refusals);
            _gate.Start();
            BoundEndpoint = $"tcp://{BrokerEndpoint.Host(_options)}:{_gate.EndPoint.Port}";
        }
        else
        {
            BoundEndpoint = BrokerEndpoint.Bind(_router, _options);
        }

        _router.ReceiveReady += (_, _) => OnReceiveReady();
        _timer = new NetMQTimer(_options.HeartbeatInterval);
        _timer.Elapsed += (_, _) =>
        {
            Sweep();
            _sender.FlushAll(_connections.Values);
        };
        _poller = [_router, _timer];
        _poller.RunAsync("AICO.Bus broker", isBackgroundThread: true);
        _ = Task.Factory.StartNew(BusThreadLatency.ForThisThread, CancellationToken.None, TaskCreationOptions.None, _poller);
        BusThreadLatency.ForNetMQThreads();
        _logger.LogInformation("AICO broker serving on {Endpoint} (CURVE outer layer, sealed sessions inside)", BoundEndpoint);
    }

    /// <summary>A consistent snapshot, taken on the broker thread.</summary>
    public Task<BrokerStatus> GetStatusAsync()
    {
        var poller = _poller ?? throw new InvalidOperationException("the broker is not started");
        return Task.Factory.StartNew(() => BrokerStatusReport.ToStatus(BrokerStatusReport.Build(_connections.Values, _refusals, _sender.DroppedTotal, _options, null)), CancellationToken.None, TaskCreationOptions.None, poller);
    }

    /// <summary>
    /// Applies a new list of instances enrolled on other hosts, on the broker thread (at once when not started). Connections of
    /// instances that are no longer listed are closed with a DENIED naming the reason; a revoked one is denied afterwards too.
    /// </summary>
    public Task ApplyEnrolmentsAsync(EnrolmentSnapshot snapshot)
    {
        if (_poller is not { IsRunning: true } poller)
        {
            _keyring.ApplyEnrolments(snapshot);
            return Task.CompletedTask;
        }

        return Task.Factory.StartNew(() =>
        {
            _keyring.ApplyEnrolments(snapshot);
            foreach (var connection in _connections.Values.Where(c => c.Authenticated && !_keyring.TryGetListedKey(c.Component, out _)).ToList())
            {
                var reason = _keyring.IsRevoked(connection.Component) ? EnrolledKeys.RevokedReason(connection.Component) : $"'{connection.Component}' is no longer enrolled";
                Remove(connection, reason);
                _handshakes.Refuse(connection.RoutingId, connection.Id, null, DenyCode.DenyUnknownComponent, reason, connection.Component);
            }

            _sender.FlushAll(_connections.Values);
        }, CancellationToken.None, TaskCreationOptions.None, poller);
    }

    public async ValueTask DisposeAsync()
    {
        if (_gate is { } gate)
        {
            await gate.DisposeAsync().ConfigureAwait(false);
            _gate = null;
        }

        if (_poller is { } poller)
        {
            if (poller.IsRunning)
            {
                await Task.Run(poller.Stop).ConfigureAwait(false);
            }

            poller.Dispose();
        }

        _router?.Dispose();
        _keyring.Dispose();
        foreach (var connection in _connections.Values)
        {
            connection.Dispose();
        }

        _connections.Clear();
        _poller = null;
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
                        _handshakes.Refuse(routingId, _ids.Of(routingId), null, DenyCode.DenyProtocol, "multipart frames are not part of the bus protocol");
                    }
                    else
                    {
                        Handle(routingId, frame);
                    }
                }
                catch (Exception ex) when (ex is FormatException or InvalidProtocolBufferException or CryptographicException or ArgumentException)
                {
                    _handshakes.Refuse(routingId, _ids.Of(routingId), null, DenyCode.DenyProtocol, "malformed frame: " + ex.Message);
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

        _sender.FlushAll(_connections.Values);
    }

    private void Handle(byte[] routingId, ReadOnlySpan<byte> frame)
    {
        var key = _ids.Of(routingId);
        _connections.TryGetValue(key, out var connection);
        if (frame.IsEmpty)
        {
            _handshakes.Refuse(routingId, key, connection, DenyCode.DenyProtocol, "empty frame");
            return;
        }

        switch (frame[0])
        {
            case FrameKind.Sealed when connection is { Authenticated: true }:
                OnSealed(connection, frame);
                break;
            case FrameKind.Sealed:
                _handshakes.Refuse(routingId, key, connection, DenyCode.DenyNoSession, "no session: the handshake must complete before any other traffic");
                break;
            case FrameKind.Hello:
                if (_handshakes.OnHello(routingId, key, connection, frame) is not null)
                {
                    _connectedCount++;
                }

                break;
            default:
                _handshakes.Refuse(routingId, key, connection, DenyCode.DenyProtocol, $"unexpected frame kind 0x{frame[0]:x2}");
                break;
        }
    }

    private void OnSealed(BrokerConnection connection, ReadOnlySpan<byte> frame)
    {
        var result = connection.Opener!.TryOpen(frame, _plain, out var length);
        if (result != OpenResult.Ok)
        {
            _sender.CountDrops(connection, 1, result.ToString().ToLowerInvariant());
            WarnOnce(connection.Id, $"dropped a {result.ToString().ToLowerInvariant()} frame from '{connection.Component}' ({connection.Id})");
            return;
        }

        connection.LastSeen = DateTime.UtcNow;
        BusTelemetry.BytesIn.Add(frame.Length, BusTelemetry.Side("broker"));
        _routing.OnRecords(connection, _plain.AsSpan(0, length));
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
            else if (connection.Authenticated && connection.OverBudgetSince is { } since && now - since > _options.StalledTimeout)
            {
                _refusals.Count("stalled", $"'{connection.Component}' ({connection.Id}) read nothing for {(now - since).TotalSeconds:0.#}s while over its byte budget: disconnected");
                Remove(connection, "stalled: it stopped reading");
            }
            else if (!connection.Authenticated && now - connection.Created > _options.HandshakeTimeout)
            {
                Remove(connection, "handshake timeout");
            }
        }

        _sender.ReleaseDeparted();

        _routes.Sweep(now, c => _connections.ContainsKey(c.Id));
        _admission.Sweep(now);
        _streams.Sweep(now);
        _refusals.Flush();

        if (_warnedPeers.Count > 10_000)
        {
            _warnedPeers.Clear();
        }
    }

    private void Remove(BrokerConnection connection, string why)
    {
        _routes.Forget(connection);
        _admission.Ended(connection.Id);
        _sender.Departed(connection);
        if (_connections.Remove(connection.Id) && connection.Authenticated)
        {
            _routing.FailRequestsDeliveredTo(connection);
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
}
