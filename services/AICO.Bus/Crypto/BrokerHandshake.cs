using System.Security.Cryptography;
using Google.Protobuf;

namespace AICO.Bus;

/// <summary>
/// The broker's half of one handshake (Noise IK responder, docs/bus-protocol.md), without sockets: given the HELLO a
/// peer sent, it answers with the ACCEPT frame to send back and the session keys and proven component, or a refusal.
/// Checks run cheapest first: a replayed HELLO costs a lookup, a forged one a single key agreement, one from a key not
/// on the allow-list two (the second reads which name it claims, for the reason given).
/// </summary>
internal sealed class BrokerHandshake(BrokerKeyring keyring)
{
    private bool _finished;

    public HandshakeResult Receive(ReadOnlySpan<byte> frame)
    {
        if (_finished)
        {
            return HandshakeResult.Refused(DenyCode.DenyProtocol, "this handshake is already finished");
        }

        _finished = true;
        if (frame.IsEmpty || frame[0] != FrameKind.Hello)
        {
            return HandshakeResult.Refused(DenyCode.DenyProtocol, frame.IsEmpty ? "empty frame" : $"unexpected frame kind 0x{frame[0]:x2}: the handshake starts with HELLO");
        }

        var message = frame[1..];
        if (message.Length < NoiseIK.Message1Overhead || message.Length > NoiseIK.Message1Overhead + BusHandshakeProtocol.MaxHelloPayload)
        {
            return HandshakeResult.Refused(DenyCode.DenyProtocol, $"a HELLO is a Noise IK first message of {NoiseIK.Message1Overhead} to {NoiseIK.Message1Overhead + BusHandshakeProtocol.MaxHelloPayload} bytes, got {message.Length} (protocol version {BusHandshakeProtocol.Version})");
        }

        var ephemeral = message[..X25519.KeyLength];
        if (keyring.Replays.Contains(ephemeral))
        {
            return HandshakeResult.Refused(DenyCode.DenyReplayedProof, "replayed HELLO: this handshake was already accepted");
        }

        using var noise = new NoiseIKResponder(BusHandshakeProtocol.Prologue, keyring.StaticKey);
        if (!noise.TryReadStatic(message, out var clientStatic))
        {
            return HandshakeResult.Refused(DenyCode.DenyProofFailed, "the HELLO was not made for this broker's public key, or was altered");
        }

        if (!noise.TryReadPayload(message, keyring.StaticSecretIfListed(clientStatic), out var payload))
        {
            return HandshakeResult.Refused(DenyCode.DenyProofFailed, "the peer failed to prove possession of the secret key of the public key it presented");
        }

        Hello hello;
        try
        {
            hello = Hello.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException ex)
        {
            return HandshakeResult.Refused(DenyCode.DenyProtocol, "malformed HELLO payload: " + ex.Message);
        }

        return Admit(noise, hello, clientStatic, ephemeral);
    }

    private HandshakeResult Admit(NoiseIKResponder noise, Hello hello, byte[] clientStatic, ReadOnlySpan<byte> ephemeral)
    {
        var component = hello.Component ?? "";
        if (hello.ProtocolVersion != BusHandshakeProtocol.Version)
        {
            return HandshakeResult.Refused(DenyCode.DenyProtocol, $"protocol version {hello.ProtocolVersion} not supported (broker speaks {BusHandshakeProtocol.Version})", component);
        }

        if (!keyring.TryGetListedKey(component, out var listed))
        {
            return HandshakeResult.Refused(DenyCode.DenyUnknownComponent, keyring.IsRevoked(component)
                ? EnrolledKeys.RevokedReason(component)
                : $"component '{Printable(component)}' is not on the broker's allow-list", component);
        }

        if (!CryptographicOperations.FixedTimeEquals(clientStatic, listed))
        {
            return HandshakeResult.Refused(DenyCode.DenyUnlistedKey, $"the public key presented for '{Printable(component)}' is not on the allow-list", component);
        }

        var skew = keyring.Clock.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(hello.TimestampUnixMillis);
        if (skew.Duration() > BusHandshakeProtocol.ClockWindow)
        {
            return HandshakeResult.Refused(DenyCode.DenyReplayedProof,
                $"the HELLO of '{Printable(component)}' is {skew.TotalSeconds:0} s off the broker's clock (at most {BusHandshakeProtocol.ClockWindow.TotalSeconds:0} s): replayed, or the clocks differ", component);
        }

        var accept = noise.WriteMessage2(ReadOnlySpan<byte>.Empty);
        var (c2s, s2c) = noise.Split();
        keyring.Replays.Remember(ephemeral);
        return HandshakeResult.Established(new SessionKeys(c2s, s2c), component, [FrameKind.Accept, .. accept]);
    }

    internal static string Printable(string text) =>
        text.Length > 64 || text.Any(c => c is < ' ' or > '~') ? new string(text.Take(64).Select(c => c is < ' ' or > '~' ? '?' : c).ToArray()) : text;
}
