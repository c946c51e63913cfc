using Microsoft.Extensions.Logging;

namespace AICO.Bus;

/// <summary>
/// The broker's door for connections without a session: HELLO admission (before any crypto), the broker half of the
/// handshake, the WELCOME that opens a session, and the DENIED answers (counted by reason, rate-limited per connection).
/// Broker thread only.
/// </summary>
internal sealed class BrokerHandshakes(
    BrokerKeyring keyring,
    BrokerOptions options,
    HandshakeAdmission admission,
    RefusalLog refusals,
    BrokerSender sender,
    Dictionary<string, BrokerConnection> connections,
    Action<BrokerConnection, string> remove,
    ILogger logger)
{
    /// <summary>Handles a HELLO; returns the connection it authenticated, or null when it was refused.</summary>
    public BrokerConnection? OnHello(byte[] routingId, string key, BrokerConnection? existing, ReadOnlySpan<byte> frame)
    {
        if (!Admit(routingId, key, existing))
        {
            return null;
        }

        if (existing is not null)
        {
            remove(existing, "re-handshake");
        }

        var result = new BrokerHandshake(keyring).Receive(frame);
        if (result.Status != HandshakeStatus.Established)
        {
            Refuse(routingId, key, null, result.Code, result.Reason, result.Component);
            return null;
        }

        return Establish(new BrokerConnection(routingId, key, DateTime.UtcNow), result);
    }

    /// <summary>
    /// An explicit DENIED to a peer without a session (at most one per second per connection); the peer's state is forgotten.
    /// Counted by reason; logged through the rate-limited refusal log.
    /// </summary>
    public void Refuse(byte[] routingId, string key, BrokerConnection? connection, DenyCode code, string reason, string? claimed = null, string? reasonKey = null)
    {
        var component = BrokerHandshake.Printable(claimed ?? connection?.Component ?? "");
        var handshake = code is DenyCode.DenyUnknownComponent or DenyCode.DenyUnlistedKey or DenyCode.DenyProofFailed or DenyCode.DenyReplayedProof;
        if (handshake)
        {
            BusTelemetry.HandshakeFailures.Add(1, BusTelemetry.Side("broker"));
        }

        refusals.Count(reasonKey ?? ReasonKey(code), $"connection {key} (component '{component}'): {reason}");
        admission.Ended(key);
        if (connection is { Authenticated: false })
        {
            remove(connection, "denied");
        }

        if (admission.MayAnswer(key, DateTime.UtcNow))
        {
            sender.SendHandshake(routingId, FrameKind.Denied, new Denied { Code = code, Reason = reason });
        }
    }

    /// <summary>Admission before any handshake work: one HELLO per connection, pending handshakes bounded (oldest dropped).</summary>
    private bool Admit(byte[] routingId, string key, BrokerConnection? connection)
    {
        if (admission.AdmitHello(key, DateTime.UtcNow, out var evict) is { } refusal)
        {
            Refuse(routingId, key, connection is { Authenticated: false } ? connection : null, DenyCode.DenyProtocol, "a connection gets one handshake: open a new connection to try again", reasonKey: refusal);
            return false;
        }

        if (evict is not null && connections.TryGetValue(evict, out var oldest) && !oldest.Authenticated)
        {
            Refuse(oldest.RoutingId, evict, oldest, DenyCode.DenyProtocol, "too many handshakes in progress: the oldest was dropped", reasonKey: "handshake-evicted");
        }

        return true;
    }

    private BrokerConnection Establish(BrokerConnection connection, HandshakeResult result)
    {
        connection.Claim(result.Component);
        connections[connection.Id] = connection;
        if (result.Reply is { } reply)
        {
            sender.SendFrame(connection.RoutingId, reply, reply.Length);
        }

        connection.Authenticate(result.Keys!);
        connection.LastSeen = DateTime.UtcNow;
        admission.Ended(connection.Id);
        connection.Outbox.WriteControl(new Control
        {
            Kind = ControlKind.ControlWelcome,
            HeartbeatMillis = (uint)options.HeartbeatInterval.TotalMilliseconds,
            ConnectionId = connection.Id,
        });
        connection.OutboxRecords++;
        logger.LogInformation("bus client '{Component}' authenticated (connection {Connection})", result.Component, connection.Id);
        return connection;
    }

    private static string ReasonKey(DenyCode code) => code switch
    {
        DenyCode.DenyNoSession => "no-session",
        DenyCode.DenyUnknownComponent => "unknown-component",
        DenyCode.DenyUnlistedKey => "unlisted-key",
        DenyCode.DenyProofFailed => "proof-failed",
        DenyCode.DenyReplayedProof => "replayed-proof",
        _ => "protocol",
    };
}
