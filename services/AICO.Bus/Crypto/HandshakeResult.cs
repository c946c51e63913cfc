namespace AICO.Bus;

internal enum HandshakeStatus
{
    /// <summary>Send <see cref="HandshakeResult.Reply"/> and wait for the peer's next handshake message.</summary>
    Continue,

    /// <summary>The session keys are agreed; send <see cref="HandshakeResult.Reply"/> first when there is one.</summary>
    Established,

    /// <summary>The handshake failed: <see cref="HandshakeResult.Code"/> and <see cref="HandshakeResult.Reason"/> say why.</summary>
    Refused,
}

/// <summary>The session keys of one direction pair: what the client seals with and what the broker seals with.</summary>
internal sealed record SessionKeys(byte[] ClientToBroker, byte[] BrokerToClient);

/// <summary>What one side of the handshake decided after a message: reply, session, or refusal with a reason.</summary>
internal sealed class HandshakeResult
{
    private HandshakeResult(HandshakeStatus status, byte[]? reply, SessionKeys? keys, string component, DenyCode code, string reason)
    {
        Status = status;
        Reply = reply;
        Keys = keys;
        Component = component;
        Code = code;
        Reason = reason;
    }

    public HandshakeStatus Status { get; }

    /// <summary>A whole frame (kind byte first) to send to the peer, or null.</summary>
    public byte[]? Reply { get; }

    public SessionKeys? Keys { get; }

    /// <summary>The component the peer claimed (proven once <see cref="HandshakeStatus.Established"/>); "" when unknown.</summary>
    public string Component { get; }

    public DenyCode Code { get; }

    public string Reason { get; }

    public static HandshakeResult Continue(byte[] reply, string component) =>
        new(HandshakeStatus.Continue, reply, null, component, DenyCode.DenyUnspecified, "");

    public static HandshakeResult Established(SessionKeys keys, string component, byte[]? reply = null) =>
        new(HandshakeStatus.Established, reply, keys, component, DenyCode.DenyUnspecified, "");

    public static HandshakeResult Refused(DenyCode code, string reason, string component = "") =>
        new(HandshakeStatus.Refused, null, null, component, code, reason);
}
