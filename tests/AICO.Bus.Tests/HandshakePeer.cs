using AICO.Security;
using Google.Protobuf;
using NetMQ;
using NetMQ.Sockets;

namespace AICO.Bus.Tests;

/// <summary>
/// Drives the inner handshake by hand over a real CURVE DEALER socket, so a test can send what a correct client
/// never would: a forged proof, a replayed AUTH, traffic before the handshake.
/// </summary>
internal sealed class HandshakePeer : IDisposable
{
    private readonly DealerSocket _socket = new();
    private readonly byte[] _brokerPublic;
    private byte[]? _ephemeralSecret;
    private byte[]? _helloBytes;
    private FrameSealer? _sealer;
    private FrameOpener? _opener;

    /// <param name="receiveHighWatermark">Frames NetMQ may queue for this peer unread; 1 makes a peer that stops reading push back on TCP at once.</param>
    public HandshakePeer(string endpoint, CurveKeyPair brokerKeys, int receiveHighWatermark = 1000)
    {
        _brokerPublic = brokerKeys.PublicKey.ToArray();
        _socket.Options.Linger = TimeSpan.Zero;
        _socket.Options.ReceiveHighWatermark = receiveHighWatermark;
        _socket.Options.CurveServerKey = _brokerPublic;
        _socket.Options.CurveCertificate = new NetMQCertificate();
        _socket.Connect(endpoint);
    }

    public Challenge Hello(string component)
    {
        var (secret, pub) = HandshakeCrypto.NewEphemeral();
        _ephemeralSecret = secret;
        var hello = new Hello { ProtocolVersion = HandshakeCrypto.ProtocolVersion, Component = component, ClientEphemeral = ByteString.CopyFrom(pub) };
        _helloBytes = hello.ToByteArray();
        Send(FrameKind.Hello, _helloBytes);
        var reply = Receive();
        Assert.True(reply[0] == FrameKind.Challenge, "expected a CHALLENGE, got " + Describe(reply));
        return Challenge.Parser.ParseFrom(reply.AsSpan(1));
    }

    /// <summary>The AUTH a client holding <paramref name="clientSecret"/> would send for this challenge.</summary>
    public Auth ProveWith(Challenge challenge, CurveKeyPair clientKeys)
    {
        var brokerEphemeral = challenge.BrokerEphemeral.ToByteArray();
        var ee = HandshakeCrypto.Dh(_ephemeralSecret!, brokerEphemeral);
        var es = HandshakeCrypto.Dh(_ephemeralSecret!, _brokerPublic);
        var transcript = HandshakeCrypto.ChallengeTranscript(_helloBytes!, brokerEphemeral, challenge.Nonce.ToByteArray());
        var authTranscript = HandshakeCrypto.AuthTranscript(transcript, challenge.BrokerProof.ToByteArray(), clientKeys.PublicKey.ToArray());
        var se = HandshakeCrypto.Dh(clientKeys.SecretKey, brokerEphemeral);
        var ss = HandshakeCrypto.Dh(clientKeys.SecretKey, _brokerPublic);
        var proof = HandshakeCrypto.Tag(HandshakeCrypto.ClientProofKey(ee, es, se, ss, authTranscript), authTranscript);
        var (c2s, s2c) = HandshakeCrypto.SessionKeys(ee, es, se, ss, authTranscript, proof);
        _sealer?.Dispose();
        _sealer = new FrameSealer(c2s);
        _opener?.Dispose();
        _opener = new FrameOpener(s2c);
        return new Auth { ClientStatic = ByteString.CopyFrom(clientKeys.PublicKey), ClientProof = ByteString.CopyFrom(proof) };
    }

    public byte[] SendAuth(Auth auth)
    {
        Send(FrameKind.Auth, auth.ToByteArray());
        return Receive();
    }

    /// <summary>Seals records with this peer's session key (after a successful AUTH) and sends them; returns the frame sent.</summary>
    public byte[] SendSealed(Control control)
    {
        var records = new RecordWriter();
        records.WriteControl(control);
        var frame = new byte[records.Length + FrameSealer.Overhead];
        _sealer!.Seal(records.Written, frame);
        Assert.True(_socket.TrySendFrame(BusFixture.Deadline, frame));
        return frame;
    }

    public void SendSealedRecords(byte[] records)
    {
        var frame = new byte[records.Length + FrameSealer.Overhead];
        _sealer!.Seal(records, frame);
        Assert.True(_socket.TrySendFrame(BusFixture.Deadline, frame));
    }

    public void SendFrame(byte[] frame) => Assert.True(_socket.TrySendFrame(BusFixture.Deadline, frame));

    public void Send(byte kind, byte[] body)
    {
        var frame = new byte[body.Length + 1];
        frame[0] = kind;
        body.CopyTo(frame, 1);
        Assert.True(_socket.TrySendFrame(BusFixture.Deadline, frame));
    }

    public byte[] Receive()
    {
        Assert.True(_socket.TryReceiveFrameBytes(BusFixture.Deadline, out var frame), "no reply from the broker");
        return frame!;
    }

    /// <summary>Receives one sealed frame from the broker and returns its records (op and body).</summary>
    public List<(RecordOp Op, byte[] Body)> ReceiveRecords()
    {
        var frame = Receive();
        var plain = new byte[frame.Length];
        Assert.Equal(OpenResult.Ok, _opener!.TryOpen(frame, plain, out var length));
        var records = new List<(RecordOp, byte[])>();
        var reader = new RecordReader(plain.AsSpan(0, length));
        while (reader.TryNext(out var op, out var body))
        {
            records.Add((op, body.ToArray()));
        }

        return records;
    }

    public static Denied AsDenied(byte[] frame)
    {
        Assert.True(frame[0] == FrameKind.Denied, "expected DENIED, got " + Describe(frame));
        return Denied.Parser.ParseFrom(frame.AsSpan(1));
    }

    public void Dispose()
    {
        _sealer?.Dispose();
        _opener?.Dispose();
        _socket.Dispose();
    }

    private static string Describe(byte[] frame) => frame.Length == 0 ? "an empty frame" : $"frame kind 0x{frame[0]:x2}";
}
