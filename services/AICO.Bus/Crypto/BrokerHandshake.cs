using System.Security.Cryptography;
using Google.Protobuf;

namespace AICO.Bus;

/// <summary>
/// The broker's half of one handshake attempt (docs/bus-protocol.md), without sockets: it is given each handshake
/// frame a peer sent and answers with the frame to send back, the session keys and proven component, or a refusal.
/// </summary>
internal sealed class BrokerHandshake(BrokerKeyring keyring)
{
    private byte[]? _ephemeralSecret;
    private byte[]? _ee;
    private byte[]? _es;
    private byte[]? _challengeTranscript;
    private byte[]? _brokerProof;
    private string _component = "";
    private bool _finished;

    public HandshakeResult Receive(ReadOnlySpan<byte> frame)
    {
        if (_finished)
        {
            return HandshakeResult.Refused(DenyCode.DenyProtocol, "this handshake is already finished", _component);
        }

        try
        {
            var result = frame.IsEmpty ? HandshakeResult.Refused(DenyCode.DenyProtocol, "empty frame")
                : frame[0] == FrameKind.Hello && _challengeTranscript is null ? OnHello(frame[1..])
                : frame[0] == FrameKind.Auth && _challengeTranscript is not null ? OnAuth(Auth.Parser.ParseFrom(frame[1..]))
                : frame[0] == FrameKind.Auth ? HandshakeResult.Refused(DenyCode.DenyNoSession, "AUTH without a pending challenge: send HELLO first")
                : HandshakeResult.Refused(DenyCode.DenyProtocol, $"unexpected frame kind 0x{frame[0]:x2} during the handshake", _component);
            _finished = result.Status != HandshakeStatus.Continue;
            return result;
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or CryptographicException)
        {
            _finished = true;
            return HandshakeResult.Refused(DenyCode.DenyProtocol, "malformed handshake frame: " + ex.Message, _component);
        }
    }

    private HandshakeResult OnHello(ReadOnlySpan<byte> helloBytes)
    {
        var hello = Hello.Parser.ParseFrom(helloBytes);
        var component = hello.Component ?? "";
        if (hello.ProtocolVersion != HandshakeCrypto.ProtocolVersion)
        {
            return HandshakeResult.Refused(DenyCode.DenyProtocol, $"protocol version {hello.ProtocolVersion} not supported (broker speaks {HandshakeCrypto.ProtocolVersion})", component);
        }

        if (!keyring.TryGetListedKey(component, out _))
        {
            return HandshakeResult.Refused(DenyCode.DenyUnknownComponent, keyring.IsRevoked(component)
                ? EnrolledKeys.RevokedReason(component)
                : $"component '{Printable(component)}' is not on the broker's allow-list", component);
        }

        if (hello.ClientEphemeral.Length != HandshakeCrypto.KeyLength)
        {
            return HandshakeResult.Refused(DenyCode.DenyProtocol, "HELLO without a 32-byte ephemeral key", component);
        }

        var clientEphemeral = hello.ClientEphemeral.ToByteArray();
        var (ephemeralSecret, ephemeralPublic) = HandshakeCrypto.NewEphemeral();
        var nonce = RandomNumberGenerator.GetBytes(HandshakeCrypto.NonceLength);
        _ee = HandshakeCrypto.Dh(ephemeralSecret, clientEphemeral);
        _es = HandshakeCrypto.Dh(keyring.StaticSecret, clientEphemeral);
        _ephemeralSecret = ephemeralSecret;
        _challengeTranscript = HandshakeCrypto.ChallengeTranscript(helloBytes.ToArray(), ephemeralPublic, nonce);
        _brokerProof = HandshakeCrypto.Tag(HandshakeCrypto.BrokerProofKey(_ee, _es, _challengeTranscript), _challengeTranscript);
        _component = component;
        var challenge = new Challenge
        {
            BrokerEphemeral = ByteString.CopyFrom(ephemeralPublic),
            Nonce = ByteString.CopyFrom(nonce),
            BrokerProof = ByteString.CopyFrom(_brokerProof),
        };
        return HandshakeResult.Continue([FrameKind.Challenge, .. challenge.ToByteArray()], component);
    }

    private HandshakeResult OnAuth(Auth auth)
    {
        var component = _component;
        if (keyring.Replays.Contains(auth.ClientProof.Span))
        {
            return HandshakeResult.Refused(DenyCode.DenyReplayedProof, "replayed handshake proof", component);
        }

        keyring.TryGetListedKey(component, out var listed);
        var clientStatic = auth.ClientStatic.ToByteArray();
        if (!CryptographicOperations.FixedTimeEquals(clientStatic, listed))
        {
            return HandshakeResult.Refused(DenyCode.DenyUnlistedKey, $"the public key presented for '{component}' is not on the allow-list", component);
        }

        var se = HandshakeCrypto.Dh(_ephemeralSecret!, listed);
        var ss = HandshakeCrypto.Dh(keyring.StaticSecret, listed);
        var transcript = HandshakeCrypto.AuthTranscript(_challengeTranscript!, _brokerProof!, clientStatic);
        var proofKey = HandshakeCrypto.ClientProofKey(_ee!, _es!, se, ss, transcript);
        if (!HandshakeCrypto.VerifyTag(proofKey, transcript, auth.ClientProof.Span))
        {
            return HandshakeResult.Refused(DenyCode.DenyProofFailed, $"'{component}' failed to prove possession of its secret key", component);
        }

        keyring.Replays.Remember(auth.ClientProof.Span);
        var (c2s, s2c) = HandshakeCrypto.SessionKeys(_ee!, _es!, se, ss, transcript, auth.ClientProof.ToByteArray());
        _ephemeralSecret = _ee = _es = null;
        return HandshakeResult.Established(new SessionKeys(c2s, s2c), component);
    }

    internal static string Printable(string text) =>
        text.Length > 64 || text.Any(c => c is < ' ' or > '~') ? new string(text.Take(64).Select(c => c is < ' ' or > '~' ? '?' : c).ToArray()) : text;
}
