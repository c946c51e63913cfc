using AICO.Security;
using Google.Protobuf;

namespace AICO.Bus;

/// <summary>
/// The client's half of one handshake attempt (Noise IK initiator, docs/bus-protocol.md), without sockets:
/// <see cref="Start"/> gives the HELLO to send; <see cref="Receive"/> takes the broker's ACCEPT and gives the session
/// keys, or a refusal when the peer cannot prove it holds the broker's secret key.
/// </summary>
internal sealed class ClientHandshake(string component, CurveKeyPair clientKeys, byte[] brokerPublic, TimeProvider? clock = null)
{
    private NoiseIKInitiator? _noise;
    private NSec.Cryptography.Key? _static;
    private bool _finished;

    public byte[] Start()
    {
        if (_noise is not null)
        {
            throw new InvalidOperationException("a handshake attempt starts once; make a new one to retry");
        }

        _static = X25519.ImportSecret(clientKeys.SecretKey);
        _noise = new NoiseIKInitiator(BusHandshakeProtocol.Prologue, _static, brokerPublic);
        var hello = new Hello
        {
            ProtocolVersion = BusHandshakeProtocol.Version,
            Component = component,
            TimestampUnixMillis = (clock ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds(),
        };
        return [FrameKind.Hello, .. _noise.WriteMessage1(hello.ToByteArray())];
    }

    public HandshakeResult Receive(ReadOnlySpan<byte> frame)
    {
        if (_noise is null || _finished)
        {
            return HandshakeResult.Refused(DenyCode.DenyProtocol, "no handshake message is expected now", component);
        }

        _finished = true;
        using var noise = _noise;
        using var staticKey = _static;
        if (frame.IsEmpty || frame[0] != FrameKind.Accept || !noise.TryReadMessage2(frame[1..], out _))
        {
            return HandshakeResult.Refused(
                DenyCode.DenyProofFailed,
                "failed to prove it holds the broker's secret key (wrong broker public key, or not the AICO broker)",
                component);
        }

        var (c2s, s2c) = noise.Split();
        return HandshakeResult.Established(new SessionKeys(c2s, s2c), component);
    }
}
