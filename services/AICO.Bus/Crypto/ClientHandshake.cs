using System.Security.Cryptography;
using AICO.Security;
using Google.Protobuf;

namespace AICO.Bus;

/// <summary>
/// The client's half of one handshake attempt (docs/bus-protocol.md), without sockets: <see cref="Start"/> gives the
/// first frame to send; <see cref="Receive"/> takes the broker's answer and gives the session keys (and the frame that
/// completes the handshake), or a refusal when the peer cannot prove it holds the broker's secret key.
/// </summary>
internal sealed class ClientHandshake(string component, CurveKeyPair clientKeys, byte[] brokerPublic)
{
    private byte[]? _ephemeralSecret;
    private byte[]? _helloBytes;
    private bool _finished;

    public byte[] Start()
    {
        if (_helloBytes is not null)
        {
            throw new InvalidOperationException("a handshake attempt starts once; make a new one to retry");
        }

        var (secret, pub) = HandshakeCrypto.NewEphemeral();
        _ephemeralSecret = secret;
        _helloBytes = new Hello { ProtocolVersion = HandshakeCrypto.ProtocolVersion, Component = component, ClientEphemeral = ByteString.CopyFrom(pub) }.ToByteArray();
        return [FrameKind.Hello, .. _helloBytes];
    }

    public HandshakeResult Receive(ReadOnlySpan<byte> frame)
    {
        if (_helloBytes is null || _finished)
        {
            return HandshakeResult.Refused(DenyCode.DenyProtocol, "no handshake message is expected now", component);
        }

        _finished = true;
        if (frame.IsEmpty || frame[0] != FrameKind.Challenge)
        {
            return HandshakeResult.Refused(DenyCode.DenyProtocol, "the broker's answer to HELLO is not a CHALLENGE", component);
        }

        try
        {
            return OnChallenge(Challenge.Parser.ParseFrom(frame[1..]));
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or CryptographicException)
        {
            return NotTheBroker();
        }
    }

    private HandshakeResult OnChallenge(Challenge challenge)
    {
        var brokerEphemeral = challenge.BrokerEphemeral.ToByteArray();
        var ee = HandshakeCrypto.Dh(_ephemeralSecret!, brokerEphemeral);
        var es = HandshakeCrypto.Dh(_ephemeralSecret!, brokerPublic);
        var transcript = HandshakeCrypto.ChallengeTranscript(_helloBytes!, brokerEphemeral, challenge.Nonce.ToByteArray());
        if (!HandshakeCrypto.VerifyTag(HandshakeCrypto.BrokerProofKey(ee, es, transcript), transcript, challenge.BrokerProof.Span))
        {
            return NotTheBroker();
        }

        var clientStatic = clientKeys.PublicKey.ToArray();
        var se = HandshakeCrypto.Dh(clientKeys.SecretKey, brokerEphemeral);
        var ss = HandshakeCrypto.Dh(clientKeys.SecretKey, brokerPublic);
        var authTranscript = HandshakeCrypto.AuthTranscript(transcript, challenge.BrokerProof.ToByteArray(), clientStatic);
        var proof = HandshakeCrypto.Tag(HandshakeCrypto.ClientProofKey(ee, es, se, ss, authTranscript), authTranscript);
        var (c2s, s2c) = HandshakeCrypto.SessionKeys(ee, es, se, ss, authTranscript, proof);
        _ephemeralSecret = null;
        var auth = new Auth { ClientStatic = ByteString.CopyFrom(clientStatic), ClientProof = ByteString.CopyFrom(proof) };
        return HandshakeResult.Established(new SessionKeys(c2s, s2c), component, [FrameKind.Auth, .. auth.ToByteArray()]);
    }

    private HandshakeResult NotTheBroker() => HandshakeResult.Refused(
        DenyCode.DenyProofFailed,
        "failed to prove it holds the broker's secret key (wrong broker public key, or not the AICO broker); nothing was sent to it",
        component);
}
