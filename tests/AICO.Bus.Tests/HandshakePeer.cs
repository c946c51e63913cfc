using AICO.Security;
using Google.Protobuf;
using NetMQ;
using NetMQ.Sockets;

namespace AICO.Bus.Tests;

/// <summary>
/// Drives the handshake by hand over a real CURVE DEALER socket, so a test can send what a correct client never
/// would: a HELLO presenting a key it does not hold, a replayed HELLO, traffic before the handshake.
/// </summary>
internal sealed class HandshakePeer : IDisposable
{
    private readonly DealerSocket _socket = new();
    private readonly byte[] _brokerPublic;
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

    /// <summary>The HELLO frame this peer sent last (for replaying it elsewhere).</summary>
    public byte[] LastHello { get; private set; } = [];

    /// <summary>Sends the HELLO an honest client holding <paramref name="clientKeys"/> would send; returns the broker's answer.</summary>
    public byte[] Hello(string component, CurveKeyPair clientKeys)
    {
        var handshake = new ClientHandshake(component, clientKeys, _brokerPublic);
        LastHello = handshake.Start();
        SendFrame(LastHello);
        var reply = Receive();
        if (reply[0] == FrameKind.Accept)
        {
            var result = handshake.Receive(reply);
            Assert.True(result.Status == HandshakeStatus.Established, "the broker's ACCEPT does not complete the handshake: " + result.Reason);
            _sealer?.Dispose();
            _sealer = new FrameSealer(result.Keys!.ClientToBroker);
            _opener?.Dispose();
            _opener = new FrameOpener(result.Keys.BrokerToClient);
        }

        return reply;
    }

    /// <summary>A full handshake as <paramref name="component"/>: ACCEPT, then the sealed WELCOME (its records are returned).</summary>
    public List<(RecordOp Op, byte[] Body)> Authenticate(string component, CurveKeyPair clientKeys)
    {
        var reply = Hello(component, clientKeys);
        Assert.True(reply[0] == FrameKind.Accept, "expected ACCEPT, got " + Describe(reply));
        return ReceiveRecords();
    }

    /// <summary>
    /// A well-formed HELLO that presents <paramref name="presentedStatic"/> without its secret key: everything an
    /// impostor can compute (e, es, the encrypted static key), with ss made from a key pair of its own.
    /// </summary>
    public static byte[] ImpostorHello(ReadOnlySpan<byte> brokerPublic, ReadOnlySpan<byte> presentedStatic, string component)
    {
        using var state = new NoiseSymmetricState(NoiseIK.ProtocolName);
        state.MixHash(BusHandshakeProtocol.Prologue);
        state.MixHash(brokerPublic);
        using var ephemeral = X25519.NewKey();
        using var other = X25519.NewKey();
        var payload = new Hello { ProtocolVersion = BusHandshakeProtocol.Version, Component = component, TimestampUnixMillis = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }.ToByteArray();
        var message = new byte[1 + NoiseIK.Message1Overhead + payload.Length];
        message[0] = FrameKind.Hello;
        var ephemeralPublic = X25519.PublicBytes(ephemeral);
        ephemeralPublic.CopyTo(message, 1);
        state.MixHash(ephemeralPublic);
        using (var es = X25519.Agree(ephemeral, brokerPublic))
        {
            state.MixKey(es);
        }

        var offset = 1 + X25519.KeyLength;
        offset += state.EncryptAndHash(presentedStatic, message.AsSpan(offset));
        using (var ss = X25519.Agree(other, brokerPublic))
        {
            state.MixKey(ss);
        }

        state.EncryptAndHash(payload, message.AsSpan(offset));
        return message;
    }

    /// <summary>Seals records with this peer's session key (after ACCEPT) and sends them; returns the frame sent.</summary>
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
